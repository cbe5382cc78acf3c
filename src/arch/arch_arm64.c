/* arm64 page tables with 4 and 16 KiB pages, 47- to 52-bit (LPA2) VAs: arch/arm64/include/asm/
 * pgtable-hwdef.h (the hardware bits), pgtable-prot.h (the software
 * bits) and pgtable.h (present, dirty, write, swap entries), as of v6.1.
 * The kernel's user and kernel halves use two translation tables (TTBR0,
 * TTBR1); a process's mm->pgd is its TTBR0 table. */
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
#define A_VALID B(0)
#define A_TABLE B(1)		/* table (levels 0-2) or page (level 3); clear: block */
#define A_USER B(6)		/* AP[1] */
#define A_RDONLY B(7)		/* AP[2] */
#define A_AF B(10)
#define A_NG B(11)
#define A_DBM B(51)		/* also PTE_WRITE */
#define A_CONT B(52)
#define A_PXN B(53)
#define A_UXN B(54)
#define A_DIRTY B(55)		/* software dirty */
#define A_SPECIAL B(56)
#define A_DEVMAP B(57)
#define A_PROT_NONE B(58)	/* only when !VALID */
#define A_PMD_PRESENT_INVALID B(59)	/* a THP being split: only when !VALID */
/* Swap entries (pgtable.h): v6.1 type in bits 3-7, offset from bit 8;
 * v6.10 (arm64 uffd-wp, Ryan Roberts' series) type in bits 6-10, offset
 * from bit 12 (bit 11, PTE_PRESENT_INVALID, kept clear), uffd-wp bit 3;
 * PTE_SWP_EXCLUSIVE bit 2 in both. */
#define A_SWP_TYPE_BITS 5
#define A_SWP_OFFSET_BITS 50
#define A_SWP_EXCLUSIVE B(2)
#define A_SWP_UFFD_WP B(3)	/* v6.10 */
/* v6.10: PTE_PROT_NONE and PMD_PRESENT_INVALID gave way to one
 * PTE_PRESENT_INVALID, nG when !VALID; bit 58 became PTE_UFFD_WP. */
#define A_PRESENT_INVALID A_NG
#define A_UFFD_WP B(58)

static void decode_swap(const struct pts_arch *a, struct pts_entry *e)
{
	uint64_t raw = e->raw;
	unsigned tshift = a->arm64_v610 ? 6 : 3, oshift = a->arm64_v610 ? 12 : 8;
	unsigned type = (unsigned)((raw >> tshift) & (B(A_SWP_TYPE_BITS) - 1));
	uint64_t off = (raw >> oshift) & (B(A_SWP_OFFSET_BITS) - 1);
	set(e, raw & A_SWP_EXCLUSIVE, PTS_F_EXCLUSIVE);
	set(e, a->arm64_v610 && (raw & A_SWP_UFFD_WP), PTS_F_UFFD_WP);
	pts_arch_swap_classify(a, e, type, off);
}

/* __pte_to_phys(): the address bits of an entry mapping size (v6.9
 * LPA2 adds bits 50-51 from entry bits 8-9) */
static uint64_t entry_pfn(const struct pts_arch *a, uint64_t raw, uint64_t size)
{
	uint64_t pa = raw & a->pfn_mask & ~a->pfn_hi & ~(size - 1);
	return (pa | (raw & a->pfn_hi) << 42) >> a->page_shift;
}

/* The bits of a leaf the kernel keeps (valid, or PROT_NONE) */
static void leaf_bits(const struct pts_arch *a, int level, uint64_t raw, struct pts_entry *e)
{
	bool valid = raw & A_VALID;
	e->kind = PTS_EK_PRESENT;
	e->leaf = true;
	e->has_pfn = true;
	e->pfn = entry_pfn(a, raw, pts_level_size(a, level));
	set(e, true, PTS_F_PRESENT);
	set(e, valid, PTS_F_VALID);
	set(e, raw & A_USER, PTS_F_USER);
	set(e, raw & A_RDONLY, PTS_F_RDONLY);
	set(e, raw & A_AF, PTS_F_AF);
	set(e, raw & A_NG, PTS_F_NG);
	set(e, raw & A_DBM, PTS_F_DBM);
	set(e, raw & A_CONT, PTS_F_CONT);
	set(e, raw & A_PXN, PTS_F_PXN);
	set(e, raw & A_UXN, PTS_F_UXN);
	/* the kernel's view: pte_write() is PTE_WRITE (DBM); pte_dirty() the
	 * software bit or a writable entry the hardware made dirty (RDONLY
	 * clear) */
	set(e, raw & A_DBM, PTS_F_RW);
	set(e, (raw & A_DIRTY) || ((raw & A_DBM) && !(raw & A_RDONLY)), PTS_F_DIRTY);
	set(e, raw & A_SPECIAL, PTS_F_SPECIAL);
	set(e, a->devmap_bit && (raw & A_DEVMAP), PTS_F_DEVMAP);
	if (a->arm64_v610) {
		set(e, valid && (raw & A_UFFD_WP), PTS_F_UFFD_WP);
		set(e, !valid, PTS_F_PROTNONE);
		/* nG means present-invalid when !VALID, not non-global */
		if (!valid)
			e->flags &= ~(1u << PTS_F_NG);
	} else {
		set(e, !valid && (raw & A_PROT_NONE), PTS_F_PROTNONE);
	}
}

static void arm64_decode(const struct pts_arch *a, int level, uint64_t raw, struct pts_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->raw = raw;
	e->level = (uint8_t)level;
	if (!raw) {
		e->kind = PTS_EK_NONE;
		return;
	}
	if (!(raw & A_VALID)) {
		/* pte_present(): VALID or PROT_NONE; pmd_present() also a THP
		 * being split (PMD_PRESENT_INVALID); from v6.10 both are
		 * PTE_PRESENT_INVALID */
		bool pinv = a->arm64_v610 ? (raw & A_PRESENT_INVALID) != 0 :
			    (raw & A_PROT_NONE) || (level == PTS_PMD && (raw & A_PMD_PRESENT_INVALID));
		if ((level == PTS_PTE || level == PTS_PMD) && pinv) {
			leaf_bits(a, level, raw, e);
			return;
		}
		/* only PTEs and (THP migration) PMDs hold swap-format entries */
		if (level > PTS_PMD) {
			e->kind = PTS_EK_BAD;
			return;
		}
		e->leaf = true;
		decode_swap(a, e);
		return;
	}
	bool table_bit = raw & A_TABLE;
	if (level == PTS_PTE) {
		/* at level 3, bit 1 clear is reserved: no such entry */
		if (!table_bit) {
			e->kind = PTS_EK_BAD;
			return;
		}
		leaf_bits(a, level, raw, e);
		return;
	}
	if (table_bit) {
		e->kind = PTS_EK_TABLE;
		e->has_pfn = true;
		e->pfn = entry_pfn(a, raw, 1ULL << a->page_shift);
		set(e, true, PTS_F_VALID);
		return;
	}
	/* a block: at PMD level (2 MiB; 32 MiB with 16 KiB pages), and at PUD
	 * level (1 GiB) with 4 KiB pages only (pud_sect_supported()) */
	if (level != PTS_PMD && !(level == PTS_PUD && a->pud_block)) {
		e->kind = PTS_EK_BAD;
		return;
	}
	leaf_bits(a, level, raw, e);
}

struct pts_error *pts_arch_arm64_derive(struct pts_program *p, struct pts_arch *a)
{
	uint64_t va_bits = 0, t1sz = 0, phys_offset = 0;
	if (!vmcoreinfo_num(p->vmci, "NUMBER(VA_BITS)", &va_bits) ||
	    !vmcoreinfo_num(p->vmci, "NUMBER(PHYS_OFFSET)", &phys_offset))
		return pts_error(PTS_ERR_FORMAT, "arm64: VMCOREINFO lacks VA_BITS or PHYS_OFFSET");
	unsigned ps = p->page_size == 4096 ? 12 : p->page_size == 16384 ? 14 : 0;
	if (!ps)
		return pts_error(PTS_ERR_FORMAT, "arm64 with %" PRIu64 " KiB pages: only 4 and 16 KiB "
				 "pages are decoded", p->page_size >> 10);
	/* vabits_actual: 64 - TCR_EL1.T1SZ (exported since v5.9); VA_BITS
	 * where it is not */
	uint64_t vabits = va_bits;
	if (vmcoreinfo_num(p->vmci, "NUMBER(TCR_EL1_T1SZ)", &t1sz) && t1sz && t1sz < 64)
		vabits = 64 - t1sz;
	/* ARM64_HW_PGTABLE_LEVELS(vabits_actual), (va - 4) / (PAGE_SHIFT - 3):
	 * 4 KiB pages take 4 levels for 48-bit VAs and 5 for 52, the root
	 * then holding 16 entries (PTRS_PER_PGD), a slab object (v6.9, LPA2);
	 * 16 KiB pages take 3 levels for 47 bits and 4 for 48 to 52 (the root
	 * 2 to 32 entries).  A 52-bit kernel on a CPU without LPA2 runs with
	 * 48 bits (47 with 16 KiB pages) and folds the top level
	 * (pgtable_l5_enabled(), pgtable_l4_enabled()). */
	bool ok = ps == 12 ? vabits == 48 || vabits == 52 : vabits >= 47 && vabits <= 52;
	if (!ok)
		return pts_error(PTS_ERR_FORMAT, "arm64 with %" PRIu64 "-bit virtual addresses and %u KiB "
				 "pages: not decoded", vabits, 1u << (ps - 10));
	unsigned bits = ps - 3;	/* index bits per level */
	int levels = (int)((vabits - 4) / bits);
	a->name = "arm64";
	a->page_shift = ps;
	a->levels = levels;
	a->entries = 1u << bits;
	a->shift[PTS_PTE] = ps;
	a->shift[PTS_PMD] = ps + bits;
	a->shift[PTS_PUD] = ps + 2 * bits;
	a->shift[PTS_P4D] = ps + 3 * bits;
	/* PGDIR_SHIFT: ARM64_HW_PGTABLE_LEVEL_SHIFT(4 - levels) */
	a->shift[PTS_PGD] = ps + (unsigned)(levels - 1) * bits;
	a->top_entries = (unsigned)(1ULL << (vabits - a->shift[PTS_PGD]));
	a->top = PTS_PGD;
	a->pud_block = ps == 12 && levels >= 4;
	/* TASK_SIZE_64: 1 << VA_BITS (a 52-bit kernel on 48-bit hardware
	 * gives processes vabits_actual) */
	a->user_end = B(vabits);
	/* The linear map: __lm_to_phys() is va - PAGE_OFFSET + PHYS_OFFSET.
	 * PAGE_OFFSET is _PAGE_OFFSET(VA_BITS) since v5.11 (7bc1a0f9e176):
	 * a 52-bit kernel on 48-bit hardware moves memstart_addr (VMCOREINFO's
	 * PHYS_OFFSET) down instead; before, it was _PAGE_OFFSET(vabits_actual). */
	unsigned v = pts_kernel_version(p);
	a->page_offset = ~0ULL << (v >= PTS_KVER(5, 11) ? va_bits : vabits);
	a->phys_offset = phys_offset;
	/* MAX_PHYSMEM_BITS is CONFIG_ARM64_PA_BITS (48 in Debian's 6.1, 52
	 * in 7.x), which sizes swap entries' PFNs; 48 where not exported */
	uint64_t pbits = 48;
	if (vmcoreinfo_num(p->vmci, "NUMBER(MAX_PHYSMEM_BITS)", &pbits) && (pbits < 36 || pbits > 52))
		pbits = 48;
	a->phys_bits = (unsigned)pbits;
	/* Entries hold address bits PAGE_SHIFT-47 (PTE_ADDR_LOW with 48-bit
	 * PAs); with LPA2, which 4 and 16 KiB pages need for 52-bit VAs
	 * (TCR_EL1.DS is set exactly then: arch/arm64/kernel/pi/map_kernel.c,
	 * v6.9), bits PAGE_SHIFT-49 and 50-51 in entry bits 8-9.  Without it
	 * those two bits are the shareability field (PTE_MAYBE_SHARED), which
	 * __pte_to_phys() drops.  LPA2 is on when the VAs are 52 bits. */
	uint64_t low = (1ULL << ps) - 1;
	if (vabits == 52) {
		a->pfn_hi = 3ULL << 8;
		a->pfn_mask = ((B(50) - 1) & ~low) | a->pfn_hi;
	} else {
		a->pfn_mask = (B(48) - 1) & ~low;
	}
	/* macros both, so by version: the uffd-wp layout from v6.10; pte_devmap
	 * removed in v6.17 (as on x86-64) */
	a->arm64_v610 = v >= PTS_KVER(6, 10);
	a->young_bit = A_AF;
	a->young_flag = PTS_F_AF;
	a->devmap_bit = v && v < PTS_KVER(6, 17);
	/* CONT_PTES and CONT_PMDS (arch/arm64/include/asm/pgtable-hwdef.h:
	 * CONFIG_ARM64_CONT_PTE_SHIFT 4 and 7, _PMD_ 4 and 5) */
	a->cont[PTS_PTE] = ps == 12 ? 16 : 128;
	a->cont[PTS_PMD] = ps == 12 ? 16 : 32;
	pts_arch_derive_swap(p, a);
	a->decode = arm64_decode;
	return NULL;
}
