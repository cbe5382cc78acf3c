/* What every arch shares: the names of entry kinds, flags and levels,
 * the PTE marker bits, the numbering of the swap types above
 * MAX_SWAPFILES (include/linux/swap.h: the same on every arch), and the
 * choice of the arch from the dump. */
#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "arch/arch.h"
#include "arch/arch_impl.h"
#include "base/util.h"
#include "types/btfinfo.h"

#define B(n) (1ULL << (n))
/* MAX_SWAPFILES_SHIFT (include/linux/swap.h) */
#define SWP_TYPE_BITS 5

static const char *const flag_names[PTS_F_N] = {
	"present", "rw", "user", "pwt", "pcd", "accessed", "dirty", "pse", "global", "nx",
	"protnone", "soft_dirty", "uffd_wp", "special", "devmap", "pat", "saved_dirty",
	"exclusive", "read", "read_exclusive", "write", "young", "migration_dirty",
	/* arm64's hardware bits, by the Arm ARM's names */
	"valid", "af", "ng", "rdonly", "dbm", "cont", "pxn", "uxn",
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

/* A swap-format entry's type and offset, decoded by the arch, as the
 * kernel's generic swap code reads them (include/linux/swapops.h). */
void pts_arch_swap_classify(const struct pts_arch *a, struct pts_entry *e, unsigned type, uint64_t off)
{
	e->swap_type = type;
	e->swap_offset = off;
	if (!a->swap_known) {
		e->kind = (int)type < a->max_swapfiles ? PTS_EK_SWAP : PTS_EK_UNKNOWN;
		return;
	}
	/* swp_offset_pfn(): the PFN of pfn swap entries is the offset's low
	 * MAX_PHYSMEM_BITS - PAGE_SHIFT bits; above them the migration A/D
	 * bits (v6.1 2e3468778dbe). */
	unsigned pfn_bits = a->phys_bits - a->page_shift;
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
void pts_arch_derive_swap(struct pts_program *p, struct pts_arch *a)
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

static struct pts_error *derive(struct pts_program *p, void **ret)
{
	if (!p->types)
		return pts_error(PTS_ERR_LOOKUP, "page tables: no vmlinux");
	const char *name = pts_dump_info(p->dump)->arch;
	struct pts_arch *a = xcalloc(1, sizeof(*a));
	struct pts_error *err;
	if (name && !strcmp(name, "aarch64"))
		err = pts_arch_arm64_derive(p, a);
	else
		err = pts_arch_x86_64_derive(p, a);
	if (err) {
		free(a);
		return err;
	}
	*ret = a;
	return NULL;
}

struct pts_error *pts_arch_get(struct pts_program *p, const struct pts_arch **ret)
{
	return pts_layout(p, PTS_LAYOUT_ARCH, derive, arch_free, (void **)ret);
}
