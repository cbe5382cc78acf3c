/* x86-64 page tables: arch/x86/include/asm/pgtable_types.h (entry bits)
 * and pgtable_64.h (swap entries), include/linux/swap.h and swapops.h
 * (the swap types above MAX_SWAPFILES). */
#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "arch/arch.h"
#include "base/util.h"
#include "mem/vmcoreinfo.h"
#include "types/btfinfo.h"

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

static const char *const flag_names[PTS_F_N] = {
	"present", "rw", "user", "pwt", "pcd", "accessed", "dirty", "pse", "global", "nx",
	"protnone", "soft_dirty", "uffd_wp", "special", "devmap", "pat", "saved_dirty",
	"exclusive", "read", "read_exclusive", "write", "young", "migration_dirty",
};

static const char *const kind_names[PTS_EK_N] = {
	"none", "table", "present", "swap", "migration", "device_private", "device_exclusive",
	"hwpoison", "marker", "swapin_error", "unknown", "bad",
};

static const char *const level_names[PTS_NLEVELS] = { "pte", "pmd", "pud", "p4d", "pgd" };

const char *pts_eflag_name(unsigned f) { return f < PTS_F_N ? flag_names[f] : "?"; }
const char *pts_ekind_name(unsigned k) { return k < PTS_EK_N ? kind_names[k] : "?"; }
const char *pts_level_name(unsigned l) { return l < PTS_NLEVELS ? level_names[l] : "?"; }

void pts_marker_text(uint64_t m, char *buf, size_t n)
{
	/* include/linux/swapops.h: PTE_MARKER_UFFD_WP BIT(0) (v6.0),
	 * POISONED BIT(1) (v6.5, SWAPIN_ERROR before), GUARD BIT(2) (v6.13) */
	static const char *const names[] = { "uffd_wp", "poisoned", "guard" };
	size_t len = 0;
	buf[0] = '\0';
	for (unsigned b = 0; b < 64 && len < n; b++) {
		if (!(m & B(b)))
			continue;
		int r = b < 3 ? snprintf(buf + len, n - len, "%s%s", len ? "," : "", names[b])
			      : snprintf(buf + len, n - len, "%sbit%u", len ? "," : "", b);
		if (r < 0)
			break;
		len += (size_t)r;
	}
}

static void set(struct pts_entry *e, bool cond, unsigned f)
{
	if (cond)
		e->flags |= 1u << f;
}

static void decode_swap(const struct pts_arch *a, struct pts_entry *e)
{
	uint64_t raw = e->raw;
	unsigned type = (unsigned)(raw >> (64 - SWP_TYPE_BITS));
	uint64_t off = (~raw << SWP_TYPE_BITS) >> SWP_OFFSET_SHIFT;
	e->swap_type = type;
	e->swap_offset = off;
	set(e, raw & X_SWP_SOFT_DIRTY, PTS_F_SOFT_DIRTY);
	set(e, raw & X_SWP_UFFD_WP, PTS_F_UFFD_WP);
	set(e, raw & X_SWP_EXCLUSIVE, PTS_F_EXCLUSIVE);
	if (!a->swap_known) {
		e->kind = (int)type < a->max_swapfiles ? PTS_EK_SWAP : PTS_EK_UNKNOWN;
		return;
	}
	/* swp_offset_pfn(): the PFN of pfn swap entries is the offset's low
	 * MAX_PHYSMEM_BITS - PAGE_SHIFT bits; above them the migration A/D
	 * bits (v6.1 2e3468778dbe). */
	unsigned pfn_bits = a->phys_bits - 12;
	uint64_t pfn = off & (B(pfn_bits) - 1);
	int t = (int)type;
	e->has_pfn = true;
	e->pfn = pfn;
	if (t < a->max_swapfiles) {
		e->kind = PTS_EK_SWAP;
		e->has_pfn = false;
		e->pfn = 0;
	} else if (t == a->t_hwpoison) {
		e->kind = PTS_EK_HWPOISON;
	} else if (t == a->t_mig_read || t == a->t_mig_rx || t == a->t_mig_write) {
		e->kind = PTS_EK_MIGRATION;
		set(e, t == a->t_mig_read, PTS_F_READ);
		set(e, t == a->t_mig_rx, PTS_F_READ_EXCLUSIVE);
		set(e, t == a->t_mig_write, PTS_F_WRITE);
		if (a->mig_ad) {
			set(e, off & B(pfn_bits), PTS_F_YOUNG);
			set(e, off & B(pfn_bits + 1), PTS_F_MDIRTY);
		}
	} else if (t == a->t_dev_write || t == a->t_dev_read) {
		e->kind = PTS_EK_DEVICE_PRIVATE;
		set(e, t == a->t_dev_write, PTS_F_WRITE);
		set(e, t == a->t_dev_read, PTS_F_READ);
	} else if (t == a->t_devx_write || t == a->t_devx_read) {
		e->kind = PTS_EK_DEVICE_EXCLUSIVE;
		/* one type from v6.15, which is always writable */
		set(e, t == a->t_devx_write, PTS_F_WRITE);
		set(e, t == a->t_devx_read && a->t_devx_read != a->t_devx_write, PTS_F_READ);
	} else if (t == a->t_marker) {
		e->kind = PTS_EK_MARKER;
		e->has_pfn = false;
		e->pfn = 0;
	} else if (t == a->t_swapin_error) {
		e->kind = PTS_EK_SWAPIN_ERROR;
		e->has_pfn = false;
		e->pfn = 0;
	} else {
		e->kind = PTS_EK_UNKNOWN;
		e->has_pfn = false;
		e->pfn = 0;
	}
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

static bool has_fn(struct pts_program *p, const char *name)
{
	return pts_types_has_function(p->types, name);
}

static void number_swap(struct pts_arch *a, int max, int hw, int mig, int dev, int marker, int swe)
{
	a->max_swapfiles = max;
	int t = max;
	if (hw)
		a->t_hwpoison = t++;
	a->t_mig_read = t++;
	if (mig == 3)
		a->t_mig_rx = t++;
	a->t_mig_write = t++;
	if (dev) {
		a->t_dev_write = t++;
		a->t_dev_read = t++;
		if (dev == 4) {
			a->t_devx_write = t++;
			a->t_devx_read = t++;
		} else if (dev == 3) {
			a->t_devx_write = a->t_devx_read = t++;
		}
	}
	if (marker)
		a->t_marker = t++;
	if (swe)
		a->t_swapin_error = t++;
	a->swap_known = t == 1 << SWP_TYPE_BITS;
	if (!a->swap_known)
		snprintf(a->swap_why, sizeof(a->swap_why), "swap types do not add up");
}

/* BTF mode: no swap_info[] length and no inline helpers, so the types are
 * derived from the kernel version and from functions kallsyms has:
 * migration read-exclusive from v5.19 (6c287605fd56), swapin-error
 * v6.1-v6.4 (15520a3f0469, a marker from v6.5), PTE markers from v5.19
 * (CONFIG_PTE_MARKER, selected with userfaultfd write-protect, assumed
 * where mwriteprotect_range exists), device types where
 * make_device_exclusive{,_range} exists (CONFIG_DEVICE_PRIVATE); then
 * MAX_SWAPFILES is what is left of 32.  Said in swap_derived. */
static void derive_swap_btf(struct pts_program *p, struct pts_arch *a)
{
	unsigned v = pts_kernel_version(p);
	if (!v) {
		snprintf(a->swap_why, sizeof(a->swap_why), "BTF mode: the kernel version is unknown, "
			 "so are its swap types");
		a->max_swapfiles = 1 << SWP_TYPE_BITS;
		return;
	}
	uint64_t addr;
	struct pts_error *err = pts_symbol(p, "memory_failure", &addr);
	int hw = !err;
	pts_error_destroy(err);
	int mig = v >= PTS_KVER(5, 19) ? 3 : 2;
	int swe = v >= PTS_KVER(6, 1) && v < PTS_KVER(6, 5);
	int dev = has_fn(p, "make_device_exclusive_range") ? 4 : has_fn(p, "make_device_exclusive") ? 3 : 0;
	int marker = v >= PTS_KVER(5, 19) && has_fn(p, "mwriteprotect_range");
	number_swap(a, 32 - hw - mig - dev - marker - swe, hw, mig, dev, marker, swe);
	a->swap_derived = true;
}

/* The swap types above MAX_SWAPFILES (include/linux/swap.h), in the
 * order every kernel since v5.10 lays them out: hwpoison, migration,
 * device private, device exclusive, PTE marker, swapin error.
 * MAX_SWAPFILES is the length of swap_info[].  Header helpers tell the
 * era (which types a kernel of that age can have), but they exist as
 * stubs when a config option is off, so whether the config-dependent
 * groups are there is solved from the count: 32 - MAX_SWAPFILES is their
 * sum, and device types (2 to 4) and the marker (1) decompose it one way
 * only.  Anything else is declared unknown rather than guessed. */
static void derive_swap(struct pts_program *p, struct pts_arch *a)
{
	uint64_t max, addr;
	a->t_hwpoison = a->t_mig_read = a->t_mig_rx = a->t_mig_write = -1;
	a->t_dev_write = a->t_dev_read = a->t_devx_write = a->t_devx_read = -1;
	a->t_marker = a->t_swapin_error = -1;
	if (pts_types_backend(p->types, &pts_btf_ops)) {
		derive_swap_btf(p, a);
		return;
	}
	struct pts_error *err = pts_types_var_array_len(p->types, "swap_info", &max);
	if (err) {
		snprintf(a->swap_why, sizeof(a->swap_why), "MAX_SWAPFILES unknown: %s",
			 pts_error_text(err));
		pts_error_destroy(err);
		a->max_swapfiles = 1 << SWP_TYPE_BITS;
		return;
	}
	a->max_swapfiles = (int)max;
	/* CONFIG_MEMORY_FAILURE: the function itself, from .symtab */
	err = pts_symbol(p, "memory_failure", &addr);
	int hw = !err;
	pts_error_destroy(err);
	/* v5.19 6c287605fd56 added READ_EXCLUSIVE (migration is always on
	 * in the kernels this reads: CONFIG_MIGRATION) */
	int mig = has_fn(p, "make_readable_exclusive_migration_entry") ? 3 : 2;
	/* v6.1 15520a3f0469 SWP_SWAPIN_ERROR, unconditional; a marker from v6.5 */
	int swe = has_fn(p, "make_swapin_error_entry");
	/* device private: 2; exclusive (v5.14 b756a3b5e7ea) 2 more, one
	 * from v6.15 (make_device_exclusive) */
	int dev = has_fn(p, "make_device_exclusive_range") ? 4
		: has_fn(p, "make_device_exclusive") ? 3 : 2;
	/* CONFIG_PTE_MARKER, v5.19 679d10331ff7 */
	int marker_era = has_fn(p, "make_pte_marker") || has_fn(p, "make_pte_marker_entry");
	int rem = 32 - (int)max - hw - mig - swe;
	int have_dev = 0, have_marker = 0;
	if (rem == 0) {
	} else if (rem == 1 && marker_era) {
		have_marker = 1;
	} else if (rem == dev) {
		have_dev = 1;
	} else if (rem == dev + 1 && marker_era) {
		have_dev = have_marker = 1;
	} else {
		snprintf(a->swap_why, sizeof(a->swap_why),
			 "%d special swap types above MAX_SWAPFILES %d do not match this kernel's "
			 "kinds: numbering unknown", 32 - (int)max, (int)max);
		return;
	}
	number_swap(a, (int)max, hw, mig, have_dev ? dev : 0, have_marker, swe);
}

static void arch_free(void *a)
{
	free(a);
}

static struct pts_error *pts_arch_get_derive(struct pts_program *p, void **ret)
{
	if (!p->types)
		return pts_error(PTS_ERR_LOOKUP, "page tables: no vmlinux");
	struct pts_arch *a = xcalloc(1, sizeof(*a));
	a->name = "x86_64";
	a->levels = p->paging_levels;
	a->entries = 512;
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
	derive_swap(p, a);
	a->decode = x86_decode;
	*ret = a;
	return NULL;
}

struct pts_error *pts_arch_get(struct pts_program *p, const struct pts_arch **ret)
{
	return pts_layout(p, PTS_LAYOUT_ARCH, pts_arch_get_derive, arch_free, (void **)ret);
}
