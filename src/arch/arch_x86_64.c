/* x86-64 page tables: arch/x86/include/asm/pgtable_types.h (entry bits)
 * and pgtable_64.h (swap entries), include/linux/swap.h and swapops.h
 * (the swap types above MAX_SWAPFILES). */
#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "arch/arch.h"
#include "arch/arch_impl.h"
#include "base/util.h"
#include "mem/vmcoreinfo.h"

#define B(n) (1ULL << (n))
#define X_PRESENT B(0)
#define X_RW B(1)
#define X_USER B(2)
#define X_PWT B(3)
#define X_PCD B(4)
#define X_ACCESSED B(5)
#define X_DIRTY B(6)
#define X_PSE B(7)		/* PAT in a PTE */
#define X_GLOBAL B(8)		/* PROTNONE when not present */
#define X_SPECIAL B(9)		/* SOFTW1 */
#define X_UFFD_WP B(10)		/* SOFTW2 */
#define X_SOFT_DIRTY B(11)	/* SOFTW3 */
#define X_PAT_LARGE B(12)
#define X_SAVED_DIRTY B(57)	/* SOFTW5, v6.6 */
#define X_DEVMAP B(58)		/* SOFTW4 */
#define X_NX B(63)
/* pte_none() ignores A and D: a Knights Landing erratum may set them on
 * non-present entries (_PAGE_KNL_ERRATUM_MASK). */
#define X_KNL_ERRATUM (X_ACCESSED | X_DIRTY)
/* Swap entries (pgtable_64.h): type in bits 59-63, the offset inverted
 * in bits 9-58 (L1TF), flags in bits 1-3. */
#define SWP_TYPE_BITS 5
#define SWP_OFFSET_SHIFT 14
#define X_SWP_SOFT_DIRTY X_RW
#define X_SWP_UFFD_WP X_USER
#define X_SWP_EXCLUSIVE X_PWT


static void decode_swap(const struct pts_arch *a, struct pts_entry *e)
{
	uint64_t raw = e->raw;
	unsigned type = (unsigned)(raw >> (64 - SWP_TYPE_BITS));
	uint64_t off = (~raw << SWP_TYPE_BITS) >> SWP_OFFSET_SHIFT;
	set(e, raw & X_SWP_SOFT_DIRTY, PTS_F_SOFT_DIRTY);
	set(e, raw & X_SWP_UFFD_WP, PTS_F_UFFD_WP);
	set(e, raw & X_SWP_EXCLUSIVE, PTS_F_EXCLUSIVE);
	pts_arch_swap_classify(a, e, type, off);
}

static void x86_decode(const struct pts_arch *a, int level, uint64_t raw, struct pts_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->raw = raw;
	e->level = (uint8_t)level;
	if (!(raw & ~X_KNL_ERRATUM)) {
		e->kind = PTS_EK_NONE;
		return;
	}
	bool present = raw & X_PRESENT;
	/* pte_present(), pmd_present() (a THP being split keeps PSE) */
	if (level == PTS_PTE)
		present |= (raw & X_GLOBAL) != 0;
	else if (level == PTS_PMD)
		present |= (raw & (X_GLOBAL | X_PSE)) != 0;
	if (!present) {
		/* Only PTEs and (THP migration) PMDs hold swap-format entries. */
		if (level > PTS_PMD) {
			e->kind = PTS_EK_BAD;
			return;
		}
		e->leaf = true;
		decode_swap(a, e);
		return;
	}
	bool leaf = level == PTS_PTE || ((level == PTS_PMD || level == PTS_PUD) && (raw & X_PSE));
	set(e, raw & X_PRESENT, PTS_F_PRESENT);
	set(e, raw & X_RW, PTS_F_RW);
	set(e, raw & X_USER, PTS_F_USER);
	set(e, raw & X_PWT, PTS_F_PWT);
	set(e, raw & X_PCD, PTS_F_PCD);
	set(e, raw & X_ACCESSED, PTS_F_ACCESSED);
	set(e, raw & X_NX, PTS_F_NX);
	e->pkey = (uint8_t)((raw >> 59) & 0xf);
	e->has_pfn = true;
	if (!leaf) {
		if (raw & X_PSE) {
			/* PSE on a P4D/PGD entry: no such thing on x86-64 */
			e->kind = PTS_EK_BAD;
			e->has_pfn = false;
			return;
		}
		e->kind = PTS_EK_TABLE;
		e->pfn = (raw & a->pfn_mask) >> 12;
		return;
	}
	e->kind = PTS_EK_PRESENT;
	e->leaf = true;
	set(e, raw & X_DIRTY, PTS_F_DIRTY);
	set(e, level > PTS_PTE, PTS_F_PSE);
	set(e, level == PTS_PTE ? raw & X_PSE : raw & X_PAT_LARGE, PTS_F_PAT);
	set(e, (raw & X_GLOBAL) && (raw & X_PRESENT), PTS_F_GLOBAL);
	set(e, (raw & X_GLOBAL) && !(raw & X_PRESENT), PTS_F_PROTNONE);
	set(e, raw & X_SPECIAL, PTS_F_SPECIAL);
	set(e, raw & X_UFFD_WP, PTS_F_UFFD_WP);
	set(e, raw & X_SOFT_DIRTY, PTS_F_SOFT_DIRTY);
	set(e, a->devmap_bit && (raw & X_DEVMAP), PTS_F_DEVMAP);
	set(e, a->saved_dirty_bit && (raw & X_SAVED_DIRTY), PTS_F_SAVED_DIRTY);
	/* L1TF: a PROT_NONE entry holds its PFN inverted (protnone_mask(),
	 * arch/x86/include/asm/pgtable-invert.h, v4.19). */
	uint64_t bits = (raw & (X_PRESENT | X_GLOBAL)) == X_GLOBAL ? ~raw : raw;
	e->pfn = (bits & a->pfn_mask & ~(pts_level_size(a, level) - 1)) >> 12;
}

struct pts_error *pts_arch_x86_64_derive(struct pts_program *p, struct pts_arch *a)
{
	a->name = "x86_64";
	a->levels = p->paging_levels;
	a->page_shift = 12;
	a->entries = a->top_entries = 512;
	a->shift[PTS_PTE] = 12;
	a->shift[PTS_PMD] = 21;
	a->shift[PTS_PUD] = 30;
	a->shift[PTS_P4D] = 39;
	a->shift[PTS_PGD] = a->levels == 5 ? 48 : 39;
	a->top = PTS_PGD;
	/* TASK_SIZE_MAX: one guard page below the canonical hole */
	a->user_end = (a->levels == 5 ? B(56) : B(47)) - 4096;
	a->phys_bits = a->levels == 5 ? 52 : 46;	/* MAX_PHYSMEM_BITS */
	/* page_offset_base moves with KASLR (RANDOMIZE_MEMORY); these are
	 * its defaults (__PAGE_OFFSET_BASE_L4/L5) where it is not a variable. */
	a->page_offset = a->levels == 5 ? 0xff11000000000000ULL : 0xffff888000000000ULL;
	uint64_t pob;
	struct pts_error *e0 = pts_symbol(p, "page_offset_base", &pob);
	if (!e0)
		e0 = pts_read_u64(p, pob, &a->page_offset);
	pts_error_destroy(e0);
	uint64_t sme = 0;
	vmcoreinfo_num(p->vmci, "NUMBER(sme_mask)", &sme);
	/* PTE_PFN_MASK: bits 12-51, less the memory-encryption bit */
	a->pfn_mask = (B(52) - 1) & ~0xfffULL & ~sme;
	a->young_bit = X_ACCESSED;
	a->young_flag = PTS_F_ACCESSED;
	unsigned v = pts_kernel_version(p);
	/* v6.17 removed pte_devmap; v6.6 added SavedDirty (shadow stacks).
	 * Macros both: by version. */
	a->devmap_bit = v && v < PTS_KVER(6, 17);
	a->saved_dirty_bit = v >= PTS_KVER(6, 6);
	uint64_t ad;
	uint8_t adv = 0;
	struct pts_error *err = pts_symbol(p, "swap_migration_ad_supported", &ad);
	if (!err) {
		err = pts_read(p, ad, &adv, 1);
		a->mig_ad = !err && adv;
	}
	pts_error_destroy(err);
	pts_arch_derive_swap(p, a);
	a->decode = x86_decode;
	return NULL;
}
