#include "config.h"
#include "readers/kfields.h"
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "readers/kmm.h"
#include "base/util.h"

/* lib/maple_tree.c and include/linux/maple_tree.h (v6.1 to v7.x): node
 * pointers carry the node type in bits 3-6 and are "internal" xarray
 * entries (low bits 10); the tree's height is in ma_flags bits 2-6. */
#define MAPLE_NODE_MASK 255ULL
#define MAPLE_NODE_TYPE_SHIFT 3
#define MAPLE_NODE_TYPE_MASK 0xf
#define MT_FLAGS_HEIGHT_OFFSET 2
#define MT_FLAGS_HEIGHT_MASK 0x7c
#define MA_ROOT_PARENT 1ULL
#define MAPLE_ENODE_NULL 4ULL	/* set in child pointers (mt_mk_node) */
#define MAPLE_HEIGHT_MAX 31
#define MAX_VMAS (1u << 24)	/* far above sysctl max_map_count */
#define NAME_MAX_LEN 256
#define PATH_MAX_DEPTH 256

struct mm_layout {
	uint64_t mm_pgd, mm_map_count, mm_start_brk, mm_brk, mm_start_stack;
	bool have_pgtables_bytes;
	uint64_t mm_pgtables_bytes;
	bool maple;
	uint64_t mm_mt, mt_flags, mt_root;
	uint64_t mm_mmap, vma_next;	/* before v6.1 */
	/* maple nodes */
	int64_t t_dense, t_leaf64, t_range64, t_arange64;
	uint64_t node_size, r64_parent, r64_pivot, r64_slot, r64_meta_end, r64_npivots;
	uint64_t a64_pivot, a64_slot, a64_meta_end, a64_npivots;
	/* vm_area_struct */
	uint64_t vma_size, vma_start, vma_end, vma_mm, vma_flags, vma_pgoff, vma_file, vma_anon_vma,
		vma_private, vma_ops;
	bool have_anon_name, anon_name_union;
	uint64_t vma_anon_name, avn_name;
	uint64_t ops_name, special_name_fn, sm_name;
	/* files and paths */
	uint64_t file_path_mnt, file_path_dentry, file_inode, inode_ino, inode_sb, sb_dev;
	uint64_t file_mapping;
	/* hstate_file(): HUGETLBFS_SB(inode->i_sb)->hstate->order */
	bool have_hstate;
	uint64_t sb_fs_info, hsb_hstate, hstate_order;
	uint64_t d_parent, d_name_name, d_op, d_hash_pprev, dop_dname, simple_dname;
	uint64_t mount_mnt, mnt_parent, mnt_mountpoint, vfsmnt_root;
	uint64_t task_fs, fs_root_mnt, fs_root_dentry;
	/* the gate area, [vsyscall] (arch/x86/entry/vsyscall/vsyscall_64.c) */
	uint64_t gate_vma, vsyscall_mode;
	bool have_gate;
};

static struct pts_error *mm_layout_derive(struct pts_program *p, void **ret)
{
	struct mm_layout *l = xcalloc(1, sizeof(*l));
	struct pts_error *err = NULL;
	struct pts_member m;
#define OFF(field, f) \
	if ((err = pts_field_need(p, f, &l->field))) goto fail
	OFF(mm_pgd, PTS_FLD_MM_PGD);
	OFF(mm_map_count, PTS_FLD_MM_STRUCT_MAP_COUNT);
	OFF(mm_start_brk, PTS_FLD_MM_STRUCT_START_BRK);
	OFF(mm_brk, PTS_FLD_MM_STRUCT_BRK);
	OFF(mm_start_stack, PTS_FLD_MM_STRUCT_START_STACK);
	l->have_pgtables_bytes =
		pts_field_opt(p, PTS_FLD_MM_STRUCT_PGTABLES_BYTES, &l->mm_pgtables_bytes);
	/* v6.1 d4af56c5c7c6 "mm: start tracking VMAs with maple tree",
	 * 763ecb035029 "mm: remove the vma linked list". */
	l->maple = pts_types_has_member(p->types, "struct mm_struct", "mm_mt");
	if (l->maple) {
		OFF(mm_mt, PTS_FLD_MM_STRUCT_MM_MT);
		OFF(mt_flags, PTS_FLD_MAPLE_TREE_MA_FLAGS);
		OFF(mt_root, PTS_FLD_MAPLE_TREE_MA_ROOT);
		if ((err = pts_types_enum(p->types, "maple_dense", &l->t_dense)) ||
		    (err = pts_types_enum(p->types, "maple_leaf_64", &l->t_leaf64)) ||
		    (err = pts_types_enum(p->types, "maple_range_64", &l->t_range64)) ||
		    (err = pts_types_enum(p->types, "maple_arange_64", &l->t_arange64)) ||
		    (err = pts_types_sizeof(p->types, "struct maple_node", &l->node_size)))
			goto fail;
		OFF(r64_parent, PTS_FLD_MAPLE_RANGE_64_PARENT);
		OFF(r64_pivot, PTS_FLD_MAPLE_RANGE_64_PIVOT);
		OFF(r64_slot, PTS_FLD_MAPLE_RANGE_64_SLOT);
		OFF(r64_meta_end, PTS_FLD_MAPLE_RANGE_64_META_END);
		OFF(a64_pivot, PTS_FLD_MAPLE_ARANGE_64_PIVOT);
		OFF(a64_slot, PTS_FLD_MAPLE_ARANGE_64_SLOT);
		OFF(a64_meta_end, PTS_FLD_MAPLE_ARANGE_64_META_END);
		if ((err = pts_types_member_array_len(p->types, "struct maple_range_64", "pivot",
						      &l->r64_npivots)) ||
		    (err = pts_types_member_array_len(p->types, "struct maple_arange_64", "pivot",
						      &l->a64_npivots)))
			goto fail;
		if (l->node_size > 512 || l->r64_npivots > 31 || l->a64_npivots > 31) {
			err = pts_error(PTS_ERR_FORMAT, "maple_node layout not understood");
			goto fail;
		}
	} else {
		OFF(mm_mmap, PTS_FLD_MM_STRUCT_MMAP);
		OFF(vma_next, PTS_FLD_VM_AREA_STRUCT_VM_NEXT);
	}
	if ((err = pts_types_sizeof(p->types, "struct vm_area_struct", &l->vma_size)))
		goto fail;
	OFF(vma_start, PTS_FLD_VMA_START);
	OFF(vma_end, PTS_FLD_VMA_END);
	OFF(vma_mm, PTS_FLD_VMA_MM);
	/* v6.3 bc292ab00f6c made vm_flags a const member of a union with
	 * __vm_flags; the name still resolves through the union. */
	OFF(vma_flags, PTS_FLD_VMA_FLAGS);
	OFF(vma_pgoff, PTS_FLD_VMA_PGOFF);
	OFF(vma_file, PTS_FLD_VM_AREA_STRUCT_VM_FILE);
	OFF(vma_anon_vma, PTS_FLD_VMA_ANON_VMA);
	OFF(vma_private, PTS_FLD_VM_AREA_STRUCT_VM_PRIVATE_DATA);
	OFF(vma_ops, PTS_FLD_VM_AREA_STRUCT_VM_OPS);
	/* CONFIG_ANON_VMA_NAME (v5.17 9a10064f5625): first in a union with
	 * ->shared, valid only without a file; its own member from v6.2
	 * (d09e8ca6cb93). */
	if (pts_field_opt(p, PTS_FLD_VM_AREA_STRUCT_ANON_NAME, &l->vma_anon_name) &&
	    pts_field_opt(p, PTS_FLD_ANON_VMA_NAME_NAME, &l->avn_name)) {
		uint64_t shared;
		l->have_anon_name = true;
		l->anon_name_union =
			pts_field_opt(p, PTS_FLD_VM_AREA_STRUCT_SHARED, &shared) &&
			shared == l->vma_anon_name;
	}
	if (l->vma_size < 64 || l->vma_size > 1024) {
		err = pts_error(PTS_ERR_FORMAT, "vm_area_struct of %" PRIu64 " bytes", l->vma_size);
		goto fail;
	}
	OFF(ops_name, PTS_FLD_VM_OPERATIONS_STRUCT_NAME);
	OFF(sm_name, PTS_FLD_VM_SPECIAL_MAPPING_NAME);
	if ((err = pts_symbol(p, "special_mapping_name", &l->special_name_fn)))
		goto fail;
	OFF(file_path_mnt, PTS_FLD_FILE_F_PATH_MNT);
	OFF(file_path_dentry, PTS_FLD_FILE_F_PATH_DENTRY);
	OFF(file_inode, PTS_FLD_FILE_F_INODE);
	OFF(inode_ino, PTS_FLD_INODE_I_INO);
	OFF(inode_sb, PTS_FLD_INODE_I_SB);
	OFF(sb_dev, PTS_FLD_SUPER_BLOCK_S_DEV);
	OFF(file_mapping, PTS_FLD_FILE_F_MAPPING);
	l->have_hstate = pts_field_opt(p, PTS_FLD_SUPER_BLOCK_S_FS_INFO, &l->sb_fs_info) &&
			 pts_field_opt(p, PTS_FLD_HUGETLBFS_SB_INFO_HSTATE, &l->hsb_hstate) &&
			 pts_field_opt(p, PTS_FLD_HSTATE_ORDER, &l->hstate_order);
	OFF(d_parent, PTS_FLD_DENTRY_D_PARENT);
	OFF(d_name_name, PTS_FLD_DENTRY_D_NAME_NAME);
	OFF(d_op, PTS_FLD_DENTRY_D_OP);
	OFF(d_hash_pprev, PTS_FLD_DENTRY_D_HASH_PPREV);
	OFF(dop_dname, PTS_FLD_DENTRY_OPERATIONS_D_DNAME);
	if ((err = pts_symbol(p, "simple_dname", &l->simple_dname)))
		goto fail;
	OFF(mount_mnt, PTS_FLD_MOUNT_MNT);
	OFF(mnt_parent, PTS_FLD_MOUNT_MNT_PARENT);
	OFF(mnt_mountpoint, PTS_FLD_MOUNT_MNT_MOUNTPOINT);
	OFF(vfsmnt_root, PTS_FLD_VFSMOUNT_MNT_ROOT);
	OFF(task_fs, PTS_FLD_TASK_STRUCT_FS);
	OFF(fs_root_mnt, PTS_FLD_FS_STRUCT_ROOT_MNT);
	OFF(fs_root_dentry, PTS_FLD_FS_STRUCT_ROOT_DENTRY);
#undef OFF
	struct pts_error *e = pts_symbol(p, "gate_vma", &l->gate_vma);
	if (!e)
		e = pts_symbol(p, "vsyscall_mode", &l->vsyscall_mode);
	l->have_gate = !e;
	pts_error_destroy(e);
	(void)m;
	*ret = l;
	return NULL;
fail:
	free(l);
	return pts_error_wrap(err, "VMA layout");
}

static struct pts_error *mm_layout(struct pts_program *p, struct mm_layout **ret)
{
	return pts_layout(p, PTS_LAYOUT_MM, mm_layout_derive, free, (void **)ret);
}

static uint64_t get64(const uint8_t *buf, uint64_t off)
{
	uint64_t v;
	memcpy(&v, buf + off, 8);
	return v;
}

static void anomaly(struct pts_mm *mm, uint64_t obj, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void anomaly(struct pts_mm *mm, uint64_t obj, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	struct pts_anomaly a = { obj, s };
	VEC_PUSH(&mm->anomalies, a);
}

/* Prepend s to the path being built backwards in buf[0..*pos). */
static bool prepend(char *buf, size_t *pos, const char *s)
{
	size_t n = strlen(s);
	if (n > *pos)
		return false;
	*pos -= n;
	memcpy(buf + *pos, s, n);
	return true;
}

/* d_path() of fs/d_path.c: the file's path relative to the task's root,
 * through the mount tree; " (deleted)" for unlinked files; simple_dname()
 * for the pseudo files of memfd, SysV shm and shared anonymous memory. */
static struct pts_error *file_path(struct pts_program *p, const struct mm_layout *l, uint64_t file,
				   uint64_t root_mnt, uint64_t root_dentry, char **ret)
{
	struct pts_error *err;
	uint64_t vfsmnt, dentry, dop = 0, dname = 0, parent, pprev;
	char name[NAME_MAX_LEN];
	if ((err = pts_read_u64(p, file + l->file_path_mnt, &vfsmnt)) ||
	    (err = pts_read_u64(p, file + l->file_path_dentry, &dentry)) ||
	    (err = pts_read_u64(p, dentry + l->d_op, &dop)) ||
	    (dop && (err = pts_read_u64(p, dop + l->dop_dname, &dname))) ||
	    (err = pts_read_u64(p, dentry + l->d_parent, &parent)))
		return err;
	uint64_t mnt_root;
	if ((err = pts_read_u64(p, vfsmnt + l->vfsmnt_root, &mnt_root)))
		return err;
	if (dname && (parent != dentry || dentry != mnt_root)) {
		if (dname != l->simple_dname)
			return pts_error(PTS_ERR_LOOKUP, "dentry %#" PRIx64 " is named by d_dname "
					 "%#" PRIx64 ", which ptscope does not know", dentry, dname);
		uint64_t np;
		if ((err = pts_read_u64(p, dentry + l->d_name_name, &np)) ||
		    (err = pts_read_str(p, np, name, sizeof(name))))
			return err;
		*ret = xasprintf("/%s (deleted)", name);
		return NULL;
	}
	size_t cap = 4096, pos = cap - 1;
	char *buf = xmalloc(cap);
	buf[pos] = '\0';
	/* d_unlinked(): unhashed and not a root. */
	if ((err = pts_read_u64(p, dentry + l->d_hash_pprev, &pprev)))
		goto fail;
	if (!pprev && parent != dentry)
		prepend(buf, &pos, " (deleted)");
	size_t tail = pos;
	uint64_t mnt = vfsmnt - l->mount_mnt;
	for (int depth = 0; dentry != root_dentry || vfsmnt != root_mnt; depth++) {
		if (depth > PATH_MAX_DEPTH * 16) {
			err = pts_error(PTS_ERR_CORRUPT, "path of file %#" PRIx64 " does not end", file);
			goto fail;
		}
		if ((err = pts_read_u64(p, dentry + l->d_parent, &parent)) ||
		    (err = pts_read_u64(p, vfsmnt + l->vfsmnt_root, &mnt_root)))
			goto fail;
		if (dentry == mnt_root) {
			uint64_t m, mp;
			if ((err = pts_read_u64(p, mnt + l->mnt_parent, &m)))
				goto fail;
			if (m != mnt) {
				if ((err = pts_read_u64(p, mnt + l->mnt_mountpoint, &mp)))
					goto fail;
				dentry = mp;
				mnt = m;
				vfsmnt = m + l->mount_mnt;
				continue;
			}
			break;	/* the root of a mount tree outside the task's root */
		}
		if (dentry == parent)
			break;
		uint64_t np;
		if ((err = pts_read_u64(p, dentry + l->d_name_name, &np)) ||
		    (err = pts_read_str(p, np, name, sizeof(name))))
			goto fail;
		if (!prepend(buf, &pos, name) || !prepend(buf, &pos, "/")) {
			err = pts_error(PTS_ERR_CORRUPT, "path of file %#" PRIx64 " too long", file);
			goto fail;
		}
		dentry = parent;
	}
	if (pos == tail)
		prepend(buf, &pos, "/");
	*ret = xstrdup(buf + pos);
	free(buf);
	return NULL;
fail:
	free(buf);
	return err;
}

struct vma_vec {
	struct pts_vma *v;
	size_t n, cap;
};

struct walk_ctx {
	struct pts_program *p;
	const struct mm_layout *l;
	struct pts_mm *mm;
	uint64_t root_mnt, root_dentry;
	struct u64set seen;
	size_t nodes;
	unsigned flags;
};

static void vma_name(struct walk_ctx *c, struct pts_vma *v, const uint8_t *buf)
{
	struct pts_program *p = c->p;
	const struct mm_layout *l = c->l;
	struct pts_error *err = NULL;
	char s[NAME_MAX_LEN];
	if (v->file) {
		uint64_t inode, sb, ino;
		uint32_t dev;
		if ((err = pts_read_u64(p, v->file + l->file_inode, &inode)) ||
		    (err = pts_read_u64(p, inode + l->inode_ino, &ino)) ||
		    (err = pts_read_u64(p, inode + l->inode_sb, &sb)) ||
		    (err = pts_read_u32(p, sb + l->sb_dev, &dev))) {
			v->dev_unknown = true;
			if (err->code == PTS_ERR_NODATA)
				pts_notes_add(&c->mm->missing, "device and inode of VMA %#" PRIx64
					      "-%#" PRIx64 ": %s", v->start, v->end,
					      pts_error_text(err));
			else
				anomaly(c->mm, v->addr, "file of VMA %#" PRIx64 "-%#" PRIx64 ": %s",
					v->start, v->end, pts_error_text(err));
			pts_error_destroy(err);
		} else {
			v->dev = dev;
			v->ino = ino;
			uint64_t info, hs;
			uint32_t order;
			if ((v->flags & PTS_VM_HUGETLB) && l->have_hstate &&
			    pts_try_u64(p, sb + l->sb_fs_info, &info) &&
			    pts_try_u64(p, info + l->hsb_hstate, &hs) &&
			    pts_try_u32(p, hs + l->hstate_order, &order) && order < 40)
				v->huge_size = p->page_size << order;
		}
		pts_try_u64(p, v->file + l->file_mapping, &v->mapping);
		if ((err = file_path(p, l, v->file, c->root_mnt, c->root_dentry, &v->name)))
			goto fail;
		return;
	}
	/* show_map_vma(): vm_ops->name, then [heap], [stack], [anon:...] */
	if (v->ops) {
		uint64_t fn;
		if ((err = pts_read_u64(p, v->ops + l->ops_name, &fn)))
			goto fail;
		if (fn == l->special_name_fn) {
			uint64_t np;
			if ((err = pts_read_u64(p, v->private_data + l->sm_name, &np)) ||
			    (err = pts_read_str(p, np, s, sizeof(s))))
				goto fail;
			v->name = xstrdup(s);
			return;
		}
		if (fn) {
			err = pts_error(PTS_ERR_LOOKUP, "named by vm_ops->name %#" PRIx64
					", which ptscope does not know", fn);
			goto fail;
		}
	}
	if (v->start <= c->mm->brk && v->end >= c->mm->start_brk) {
		v->name = xstrdup("[heap]");
		return;
	}
	if (v->start <= c->mm->start_stack && v->end >= c->mm->start_stack) {
		v->name = xstrdup("[stack]");
		return;
	}
	if (l->have_anon_name) {
		uint64_t an = get64(buf, l->vma_anon_name);
		if (an) {
			if ((err = pts_read_str(p, an + l->avn_name, s, sizeof(s))))
				goto fail;
			v->name = xasprintf("[anon:%s]", s);
		}
	}
	return;
fail:
	v->name_note = xstrdup(pts_error_text(err));
	if (err->code == PTS_ERR_NODATA)
		pts_notes_add(&c->mm->missing, "name of VMA %#" PRIx64 "-%#" PRIx64 ": %s", v->start,
			      v->end, pts_error_text(err));
	pts_error_destroy(err);
}

/* Read one VMA; NULL with *ok false when its page is not in the dump. */
static struct pts_error *read_vma(struct walk_ctx *c, uint64_t addr, struct pts_vma *v, bool *ok)
{
	const struct mm_layout *l = c->l;
	uint8_t buf[1024];
	*ok = false;
	struct pts_error *err = pts_read(c->p, addr, buf, l->vma_size);
	if (err)
		return pts_notes_nodata(&c->mm->missing, err, "VMA %#" PRIx64 ": skipped: ", addr);
	memset(v, 0, sizeof(*v));
	v->addr = addr;
	v->start = get64(buf, l->vma_start);
	v->end = get64(buf, l->vma_end);
	v->mm = get64(buf, l->vma_mm);
	v->flags = get64(buf, l->vma_flags);
	v->pgoff = get64(buf, l->vma_pgoff);
	v->file = get64(buf, l->vma_file);
	v->anon_vma = get64(buf, l->vma_anon_vma);
	v->private_data = get64(buf, l->vma_private);
	v->ops = get64(buf, l->vma_ops);
	*ok = true;
	if ((c->flags & PTS_MM_HUGETLB_NAMES) && !(v->flags & PTS_VM_HUGETLB)) {
		/* no name, but the file's address_space (its i_mmap lock) */
		if (v->file)
			pts_try_u64(c->p, v->file + l->file_mapping, &v->mapping);
		return NULL;
	}
	if (l->anon_name_union && v->file) {
		/* the union holds ->shared: not a name */
		struct mm_layout tmp = *l;
		tmp.have_anon_name = false;
		struct walk_ctx c2 = *c;
		c2.l = &tmp;
		vma_name(&c2, v, buf);
		return NULL;
	}
	vma_name(c, v, buf);
	return NULL;
}

static void add_vma(struct walk_ctx *c, uint64_t addr, uint64_t lo, uint64_t hi, bool maple,
		    struct vma_vec *out)
{
	struct pts_vma v;
	bool ok;
	struct pts_error *err = read_vma(c, addr, &v, &ok);
	if (err) {
		pts_notes_add(&c->mm->missing, "VMA %#" PRIx64 ": %s", addr, pts_error_text(err));
		pts_error_destroy(err);
		return;
	}
	if (!ok)
		return;
	c->mm->tree_entries++;
	if (v.mm != c->mm->addr)
		anomaly(c->mm, addr, "VMA %#" PRIx64 "-%#" PRIx64 " has vm_mm %#" PRIx64
			", not this mm %#" PRIx64, v.start, v.end, v.mm, c->mm->addr);
	if (v.start >= v.end || (v.start | v.end) & 4095)
		anomaly(c->mm, addr, "VMA %#" PRIx64 "-%#" PRIx64 " is empty or misaligned", v.start,
			v.end);
	if (maple && (v.start != lo || v.end - 1 != hi))
		anomaly(c->mm, addr, "VMA %#" PRIx64 "-%#" PRIx64 " is stored in the maple tree "
			"under %#" PRIx64 "-%#" PRIx64, v.start, v.end, lo, hi + 1);
	VEC_PUSH(out, v);
}

static bool xa_is_node(uint64_t e)
{
	return (e & 3) == 2 && e > 4096;
}

/* One maple node covering [min, max] at depth (root 1).  Follows
 * mas_data_end() and mas_logical_pivot() of lib/maple_tree.c. */
static void maple_node(struct walk_ctx *c, uint64_t enode, uint64_t parent, uint64_t min,
		       uint64_t max, unsigned depth, unsigned height, struct vma_vec *out)
{
	const struct mm_layout *l = c->l;
	struct pts_mm *mm = c->mm;
	uint64_t node = enode & ~MAPLE_NODE_MASK;
	int64_t type = (int64_t)((enode >> MAPLE_NODE_TYPE_SHIFT) & MAPLE_NODE_TYPE_MASK);
	if (depth > MAPLE_HEIGHT_MAX || (height && depth > height)) {
		anomaly(mm, node, "maple node %#" PRIx64 " at depth %u, below the tree's height %u",
			node, depth, height);
		return;
	}
	if (!u64set_add(&c->seen, node)) {
		anomaly(mm, node, "maple node %#" PRIx64 " is reached twice (a cycle or a shared "
			"subtree)", node);
		return;
	}
	if (++c->nodes > MAX_VMAS) {
		anomaly(mm, node, "maple tree has more than %u nodes", MAX_VMAS);
		return;
	}
	uint8_t buf[512];
	struct pts_error *err = pts_read(c->p, node, buf, l->node_size);
	if (err) {
		err = pts_notes_nodata(&mm->missing, err, "maple node %#" PRIx64 " covering %#"
				       PRIx64 "-%#" PRIx64 ": VMAs there skipped: ", node, min, max + 1);
		if (err) {
			anomaly(mm, node, "maple node %#" PRIx64 ": %s", node, pts_error_text(err));
			pts_error_destroy(err);
		}
		return;
	}
	uint64_t gotparent = get64(buf, l->r64_parent);
	if (depth == 1 ? gotparent != (mm->addr + l->mm_mt) + MA_ROOT_PARENT
		       : (gotparent & ~MAPLE_NODE_MASK) != parent)
		anomaly(mm, node, "maple node %#" PRIx64 " has parent %#" PRIx64 ", expected %#"
			PRIx64, node, gotparent, depth == 1 ? mm->addr + l->mm_mt + 1 : parent);
	bool leaf;
	uint64_t pivot_off, slot_off, meta_end_off, npiv;
	if (type == l->t_leaf64 || type == l->t_range64) {
		leaf = type == l->t_leaf64;
		pivot_off = l->r64_pivot, slot_off = l->r64_slot;
		meta_end_off = l->r64_meta_end, npiv = l->r64_npivots;
	} else if (type == l->t_arange64) {
		leaf = false;
		pivot_off = l->a64_pivot, slot_off = l->a64_slot;
		meta_end_off = l->a64_meta_end, npiv = l->a64_npivots;
	} else {
		anomaly(mm, node, "maple node %#" PRIx64 " has type %" PRId64
			", which a VMA tree does not use", node, type);
		return;
	}
	if (height && leaf != (depth == height))
		anomaly(mm, node, "maple node %#" PRIx64 " is a %s at depth %u of a tree of height %u",
			node, leaf ? "leaf" : "internal node", depth, height);
	uint64_t piv[32];
	for (uint64_t i = 0; i < npiv; i++)
		piv[i] = get64(buf, pivot_off + 8 * i);
	unsigned end;
	uint8_t meta_end = buf[meta_end_off];
	if (type == l->t_arange64 || !piv[npiv - 1])
		end = meta_end;
	else if (piv[npiv - 1] == max)
		end = (unsigned)npiv - 1;
	else
		end = (unsigned)npiv;
	if (end > npiv) {
		anomaly(mm, node, "maple node %#" PRIx64 " claims %u slots of %" PRIu64, node, end + 1,
			npiv + 1);
		end = (unsigned)npiv;
	}
	uint64_t lo = min;
	for (unsigned i = 0; i <= end; i++) {
		uint64_t hi = i < npiv ? piv[i] : max;
		if (!hi && i)
			hi = max;
		uint64_t slot = get64(buf, slot_off + 8 * i);
		if (hi < lo || hi > max) {
			anomaly(mm, node, "maple node %#" PRIx64 " slot %u: pivot %#" PRIx64
				" out of order (range %#" PRIx64 "-%#" PRIx64 ")", node, i, hi, lo, max);
			break;
		}
		if (leaf) {
			if (slot && !(slot & 3))
				add_vma(c, slot, lo, hi, true, out);
			else if (slot)
				anomaly(mm, node, "maple leaf %#" PRIx64 " slot %u holds %#" PRIx64
					", not a VMA", node, i, slot);
		} else if ((slot & 7) != MAPLE_ENODE_NULL || slot < 4096) {
			anomaly(mm, node, "maple node %#" PRIx64 " slot %u holds %#" PRIx64
				", not a child node", node, i, slot);
		} else {
			maple_node(c, slot, node, lo, hi, depth + 1, height, out);
		}
		if (hi == max)
			break;
		lo = hi + 1;
	}
}

static int cmp_vma(const void *a, const void *b)
{
	const struct pts_vma *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

static void read_gate(struct walk_ctx *c, struct vma_vec *out)
{
	const struct mm_layout *l = c->l;
	uint32_t mode;
	/* enum { EMULATE, XONLY, NONE } vsyscall_mode: NONE hides it. */
	if (!l->have_gate || pts_read_u32(c->p, l->vsyscall_mode, &mode) || mode == 2)
		return;
	struct pts_vma v;
	bool ok;
	struct pts_error *err = read_vma(c, l->gate_vma, &v, &ok);
	pts_error_destroy(err);
	if (err || !ok)
		return;
	v.gate = true;
	free(v.name);
	free(v.name_note);
	v.name_note = NULL;
	v.name = xstrdup("[vsyscall]");	/* gate_vma_name() */
	VEC_PUSH(out, v);
}

struct pts_error *pts_mm_read(struct pts_program *p, const struct pts_task *t, struct pts_mm *ret)
{
	return pts_mm_read_flags(p, t, 0, ret);
}

struct pts_error *pts_mm_read_flags(struct pts_program *p, const struct pts_task *t, unsigned flags,
				    struct pts_mm *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (!t->mm)
		return pts_error(PTS_ERR_USAGE, "pid %d (%s) is a kernel thread: it has no mm",
				 t->pid, t->comm);
	struct mm_layout *l;
	struct pts_error *err = mm_layout(p, &l);
	if (err)
		return err;
	struct pts_mm *mm = ret;
	mm->addr = t->mm;
	mm->maple = l->maple;
	uint32_t mc;
	if ((err = pts_read_u64(p, mm->addr + l->mm_pgd, &mm->pgd)) ||
	    (err = pts_read_u32(p, mm->addr + l->mm_map_count, &mc)) ||
	    (err = pts_read_u64(p, mm->addr + l->mm_start_brk, &mm->start_brk)) ||
	    (err = pts_read_u64(p, mm->addr + l->mm_brk, &mm->brk)) ||
	    (err = pts_read_u64(p, mm->addr + l->mm_start_stack, &mm->start_stack)))
		return pts_error_wrap(err, "mm %#" PRIx64 " of pid %d", mm->addr, t->pid);
	mm->map_count = (int32_t)mc;
	if (l->have_pgtables_bytes) {
		uint64_t b;
		if (!(err = pts_read_u64(p, mm->addr + l->mm_pgtables_bytes, &b))) {
			mm->pgtables_bytes = (int64_t)b;
			mm->have_pgtables_bytes = true;
		}
		pts_error_destroy(err);
	}
	struct walk_ctx c = { .p = p, .l = l, .mm = mm, .flags = flags };
	uint64_t fs;
	if ((err = pts_read_u64(p, t->addr + l->task_fs, &fs)) || !fs ||
	    (err = pts_read_u64(p, fs + l->fs_root_mnt, &c.root_mnt)) ||
	    (err = pts_read_u64(p, fs + l->fs_root_dentry, &c.root_dentry))) {
		/* Paths are then absolute in their mount tree. */
		pts_error_destroy(err);
		c.root_mnt = c.root_dentry = 0;
	}
	struct vma_vec out = { 0 };
	if (l->maple) {
		uint64_t mt = mm->addr + l->mm_mt, root;
		uint32_t fl;
		if ((err = pts_read_u32(p, mt + l->mt_flags, &fl)) ||
		    (err = pts_read_u64(p, mt + l->mt_root, &root))) {
			if ((err = pts_notes_nodata(&mm->missing, err, "VMA tree of mm %#" PRIx64
						    ": ", mm->addr))) {
				pts_mm_free(mm);
				return err;
			}
			goto done;
		}
		mm->mt_flags = fl;
		mm->tree_root = root;
		unsigned height = (fl & MT_FLAGS_HEIGHT_MASK) >> MT_FLAGS_HEIGHT_OFFSET;
		if (xa_is_node(root))
			maple_node(&c, root, 0, 0, UINT64_MAX, 1, height, &out);
		else if (root)
			/* One entry at index 0: never a VMA (mmap_min_addr). */
			anomaly(mm, mt, "maple tree root %#" PRIx64 " is a single entry, not a node",
				root);
	} else {
		uint64_t v;
		if ((err = pts_read_u64(p, mm->addr + l->mm_mmap, &v)))
			return pts_error_wrap(err, "mm %#" PRIx64 " of pid %d", mm->addr, t->pid);
		uint64_t prev_end = 0;
		mm->tree_root = v;
		while (v) {
			if (!u64set_add(&c.seen, v)) {
				anomaly(mm, v, "VMA %#" PRIx64 " is reached twice on the vm_next list", v);
				break;
			}
			if (c.seen.n > MAX_VMAS) {
				anomaly(mm, v, "VMA list longer than %u", MAX_VMAS);
				break;
			}
			size_t before = out.n;
			add_vma(&c, v, 0, 0, false, &out);
			if (out.n > before) {
				if (out.v[out.n - 1].start < prev_end)
					anomaly(mm, v, "VMA %#" PRIx64 "-%#" PRIx64 " on the vm_next list "
						"starts below the previous one's end %#" PRIx64,
						out.v[out.n - 1].start, out.v[out.n - 1].end, prev_end);
				prev_end = out.v[out.n - 1].end;
			}
			uint64_t cur = v;
			if ((err = pts_read_u64(p, v + l->vma_next, &v))) {
				if (err->code == PTS_ERR_FAULT) {
					/* a wild pointer: the list is broken there,
					 * the VMAs before it still stand */
					anomaly(mm, cur, "VMA %#" PRIx64 " on the vm_next list is not "
						"mapped memory: %s", cur, pts_error_text(err));
					pts_error_destroy(err);
					err = NULL;
					break;
				}
				if ((err = pts_notes_nodata(&mm->missing, err, "vm_next list of mm %#"
							    PRIx64 ": rest skipped: ", mm->addr))) {
					/* an error: nothing of the mm is returned, its
					 * notes, anomalies and VMAs read so far freed
					 * (the caller frees nothing) */
					u64set_free(&c.seen);
					mm->vmas = out.v;
					mm->nvmas = out.n;
					pts_mm_free(mm);
					return err;
				}
				break;
			}
		}
	}
	if (mm->tree_entries != (size_t)(int64_t)mm->map_count && !mm->missing.n)
		anomaly(mm, mm->addr, "mm %#" PRIx64 " has map_count %d but its VMA %s holds %zu",
			mm->addr, mm->map_count, l->maple ? "tree" : "list", mm->tree_entries);
	/* The tree is ordered when healthy; sort so that lookups work on a
	 * broken one too, and say where it overlaps. */
	if (out.n > 1)	/* an empty tree (an mm torn down, live) has no array */
		qsort(out.v, out.n, sizeof(*out.v), cmp_vma);
	for (size_t i = 1; i < out.n; i++)
		if (out.v[i].start < out.v[i - 1].end)
			anomaly(mm, out.v[i].addr, "VMA %#" PRIx64 "-%#" PRIx64 " overlaps VMA %#"
				PRIx64 "-%#" PRIx64, out.v[i].start, out.v[i].end, out.v[i - 1].start,
				out.v[i - 1].end);
	read_gate(&c, &out);
done:
	u64set_free(&c.seen);
	mm->vmas = out.v;
	mm->nvmas = out.n;
	return err;
}

void pts_mm_free(struct pts_mm *mm)
{
	for (size_t i = 0; i < mm->nvmas; i++) {
		free(mm->vmas[i].name);
		free(mm->vmas[i].name_note);
	}
	free(mm->vmas);
	for (size_t i = 0; i < mm->anomalies.n; i++)
		free(mm->anomalies.v[i].text);
	free(mm->anomalies.v);
	pts_notes_free(&mm->missing);
	memset(mm, 0, sizeof(*mm));
}

const struct pts_vma *pts_mm_find_vma(const struct pts_mm *mm, uint64_t va)
{
	size_t lo = 0, hi = mm->nvmas;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct pts_vma *v = &mm->vmas[mid];
		if (va < v->start)
			hi = mid;
		else if (va >= v->end)
			lo = mid + 1;
		else
			return v;
	}
	return NULL;
}
