// SPDX-License-Identifier: GPL-2.0
/*
 * ptscope_inject: puts states into a test-bed guest that ptscope must find
 * in the dump, states no healthy kernel can be asked to produce.  Built
 * against the Debian headers of the default kernel (scripts/testbed) and
 * loaded by tests/guest/kmod/inject.sh after the oracle is read, just before the
 * dumps.  Each parameter names a workload process; a state whose
 * parameter is 0 is left out.  Every state is reported with pr_info as
 * "ptscope_inject: NAME key=value ...", which inject.sh copies to the
 * console: the guest kernel's own account of what was done, which the
 * tests check ptscope's output against.
 *
 * hugetlb (issue 5):
 *   hgm_pid/hgm_addr:     the PMD leaf of a 2 MiB hugetlb page replaced by a
 *                         PTE table mapping the same folio's 512 pages
 *                         (an HGM-like mapping on a kernel without HGM: B3)
 *   share_pid/share_addr: the shared PMD table's pt_share_count (or its
 *                         refcount, before that member) raised by one (B5)
 *   stale_pid/stale_addr: the VMA's hugetlb_vma_lock->vma pointed at a
 *                         freed copy of the VMA (B1)
 * rmap (issue 6):
 *   anon_pid/anon_addr:   the anonymous page at anon_addr loses
 *                         PG_anon_exclusive while its PTE stays writable
 *                         (D5), the page after it gets one more
 *                         _mapcount than it has mappings (D4), the third
 *                         page's mapping is pointed at an anon_vma of
 *                         another family, whose rmap walk cannot reach
 *                         its PTE (D1), and the VMA's anon_vma gets one
 *                         num_active_vmas too many (D2)
 * locks (issue 7):
 *   mmap_pid:             a kthread holds the mm's mmap_lock for write
 *   imap_pid/imap_addr:   a kthread holds the mapped file's i_mmap_rwsem
 *                         for read
 *   abba_pid/abba_addr:   two kthreads deadlock on a hugetlbfs file's
 *                         i_mmap_rwsem (A: write) and the VMA's hugetlb
 *                         vma_lock (B: read), each then waiting for the other
 *   ptl_pid/ptl_addr:     a kthread holds the split page-table lock of the
 *                         PTE table mapping the address
 */
#include <linux/completion.h>
#include <linux/hugetlb.h>
#include <linux/io.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/rmap.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

static int hgm_pid, share_pid, stale_pid, mmap_pid, imap_pid, abba_pid, ptl_pid, anon_pid;
static unsigned long hgm_addr, share_addr, stale_addr, imap_addr, abba_addr, ptl_addr, anon_addr;
module_param(anon_pid, int, 0444);
module_param(anon_addr, ulong, 0444);
module_param(hgm_pid, int, 0444);
module_param(hgm_addr, ulong, 0444);
module_param(share_pid, int, 0444);
module_param(share_addr, ulong, 0444);
module_param(stale_pid, int, 0444);
module_param(stale_addr, ulong, 0444);
module_param(mmap_pid, int, 0444);
module_param(imap_pid, int, 0444);
module_param(imap_addr, ulong, 0444);
module_param(abba_pid, int, 0444);
module_param(abba_addr, ulong, 0444);
module_param(ptl_pid, int, 0444);
module_param(ptl_addr, ulong, 0444);

static struct mm_struct *mm_of(int pid)
{
	struct pid *p = find_get_pid(pid);
	struct task_struct *t = p ? get_pid_task(p, PIDTYPE_PID) : NULL;
	struct mm_struct *mm = t ? get_task_mm(t) : NULL;

	if (t)
		put_task_struct(t);
	put_pid(p);
	if (!mm)
		pr_err("ptscope_inject: no mm for pid %d\n", pid);
	return mm;	/* kept: the injected states outlive the module's init */
}

/* The PUD entry over addr, or NULL; only tables, never leaves, below it. */
static pud_t *pud_of(struct mm_struct *mm, unsigned long addr)
{
	pgd_t *pgd = pgd_offset(mm, addr);
	p4d_t *p4d;
	pud_t *pud;

	if (pgd_none(*pgd))
		return NULL;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(*p4d))
		return NULL;
	pud = pud_offset(p4d, addr);
	if (pud_none(*pud) || (pud_val(*pud) & _PAGE_PSE))
		return NULL;
	return pud;
}

static pmd_t *pmd_of(struct mm_struct *mm, unsigned long addr)
{
	pud_t *pud = pud_of(mm, addr);

	return pud ? pmd_offset(pud, addr) : NULL;
}

static void park(void)
{
	/* TASK_IDLE: asleep without counting as a hung task. */
	for (;;)
		schedule_timeout_idle(3600 * HZ);
}

static int inject_hgm(void)
{
	struct mm_struct *mm = mm_of(hgm_pid);
	struct page *pt;
	pmd_t *pmd;
	pte_t *ptes;
	unsigned long pfn, flags;
	int i;

	if (!mm)
		return -ESRCH;
	mmap_write_lock(mm);
	pmd = pmd_of(mm, hgm_addr);
	if (!pmd || !(pmd_val(*pmd) & _PAGE_PSE) || !(pmd_val(*pmd) & _PAGE_PRESENT)) {
		mmap_write_unlock(mm);
		pr_err("ptscope_inject: hgm: no 2 MiB leaf at %lx\n", hgm_addr);
		return -ENOENT;
	}
	pt = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!pt || !pgtable_pte_page_ctor(pt)) {
		mmap_write_unlock(mm);
		return -ENOMEM;
	}
	pfn = pmd_pfn(*pmd);
	flags = pmd_val(*pmd) & (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED |
				 _PAGE_DIRTY | _PAGE_NX);
	ptes = page_address(pt);
	for (i = 0; i < PTRS_PER_PTE; i++)
		ptes[i] = __pte(((pfn + i) << PAGE_SHIFT) | flags);
	pr_info("ptscope_inject: hgm pid=%d addr=0x%lx pmd=0x%lx folio_pfn=0x%lx table_pfn=0x%lx\n",
		hgm_pid, hgm_addr & PMD_MASK, pmd_val(*pmd), pfn, page_to_pfn(pt));
	set_pmd(pmd, __pmd(page_to_phys(pt) | _PAGE_TABLE));
	/* counted as pte_alloc() counts a table: only the shape is wrong */
	mm_inc_nr_ptes(mm);
	mmap_write_unlock(mm);
	/* The process is asleep and never touches the range again: no TLB
	 * shootdown is needed for it, and none is exported to modules. */
	return 0;
}

static int inject_share(void)
{
	struct mm_struct *mm = mm_of(share_pid);
	struct page *pt;
	pud_t *pud;
	int before;

	if (!mm)
		return -ESRCH;
	mmap_read_lock(mm);
	pud = pud_of(mm, share_addr);
	if (!pud) {
		mmap_read_unlock(mm);
		pr_err("ptscope_inject: share: no PMD table at %lx\n", share_addr);
		return -ENOENT;
	}
	pt = pud_page(*pud);
	before = atomic_read(&pt->pt_share_count);
	atomic_inc(&pt->pt_share_count);
	pr_info("ptscope_inject: share pid=%d addr=0x%lx table_pfn=0x%lx count=%d now=%d\n",
		share_pid, share_addr, page_to_pfn(pt), before, atomic_read(&pt->pt_share_count));
	mmap_read_unlock(mm);
	return 0;
}

static int inject_stale(void)
{
	struct mm_struct *mm = mm_of(stale_pid);
	struct vm_area_struct *vma, *ghost;
	struct hugetlb_vma_lock *vl;

	if (!mm)
		return -ESRCH;
	mmap_write_lock(mm);
	vma = find_vma(mm, stale_addr);
	if (!vma || vma->vm_start > stale_addr || !is_vm_hugetlb_page(vma) ||
	    !(vma->vm_flags & VM_MAYSHARE) || !vma->vm_private_data) {
		mmap_write_unlock(mm);
		pr_err("ptscope_inject: stale: no shared hugetlb VMA at %lx\n", stale_addr);
		return -ENOENT;
	}
	vl = vma->vm_private_data;
	ghost = kmemdup(vma, sizeof(*vma), GFP_KERNEL);
	if (!ghost) {
		mmap_write_unlock(mm);
		return -ENOMEM;
	}
	kfree(ghost);	/* a VMA that was freed: what a stale pointer points at */
	vl->vma = ghost;
	pr_info("ptscope_inject: stale pid=%d addr=0x%lx vma=0x%lx lock=0x%lx now=0x%lx\n",
		stale_pid, vma->vm_start, (unsigned long)vma, (unsigned long)vl, (unsigned long)ghost);
	mmap_write_unlock(mm);
	return 0;
}

/* The page a present PTE at addr maps, or NULL.  No PTE lock: the
 * process sleeps (and wl-ptl's table lock is held by design). */
static struct page *pte_page_at(struct mm_struct *mm, unsigned long addr)
{
	pmd_t *pmd = pmd_of(mm, addr);
	pte_t *pte;

	if (!pmd || pmd_none(*pmd) || (pmd_val(*pmd) & _PAGE_PSE))
		return NULL;
	pte = (pte_t *)page_address(pmd_page(*pmd)) + pte_index(addr);
	if (!(pte_val(*pte) & _PAGE_PRESENT))
		return NULL;
	return pfn_to_page(pte_pfn(*pte));
}

static int inject_anon(void)
{
	struct mm_struct *mm = mm_of(anon_pid);
	struct vm_area_struct *vma, *other = NULL, *v;
	struct page *a, *b, *c;

	if (!mm)
		return -ESRCH;
	mmap_read_lock(mm);
	vma = find_vma(mm, anon_addr);
	a = pte_page_at(mm, anon_addr);
	b = pte_page_at(mm, anon_addr + PAGE_SIZE);
	c = pte_page_at(mm, anon_addr + 2 * PAGE_SIZE);
	if (!vma || !vma->anon_vma || !a || !b || !c || !PageAnon(a) || !PageAnon(b) ||
	    !PageAnon(c) || !PageAnonExclusive(a)) {
		mmap_read_unlock(mm);
		pr_err("ptscope_inject: anon: no exclusive anonymous pages at %lx\n", anon_addr);
		return -ENOENT;
	}
	/* an anon_vma of another family in the same mm (its heap or stack) */
	{
		VMA_ITERATOR(vmi, mm, 0);

		for_each_vma(vmi, v)
			if (v->anon_vma && v->anon_vma->root != vma->anon_vma->root) {
				other = v;
				break;
			}
	}
	if (!other) {
		mmap_read_unlock(mm);
		pr_err("ptscope_inject: anon: no other anon_vma family in pid %d\n", anon_pid);
		return -ENOENT;
	}
	ClearPageAnonExclusive(a);
	atomic_inc(&b->_mapcount);
	/* the third page's rmap now leads to the other family: its PTE
	 * cannot be reached (D1) */
	WRITE_ONCE(c->mapping, (void *)((unsigned long)other->anon_vma | PAGE_MAPPING_ANON));
	/* and the VMA's anon_vma counts one VMA too many (D2) */
	vma->anon_vma->num_active_vmas++;
	pr_info("ptscope_inject: anon pid=%d addr=0x%lx exclusive_cleared_pfn=0x%lx "
		"mapcount_raised_pfn=0x%lx mapcount=%d unreachable_pfn=0x%lx unreachable_addr=0x%lx "
		"foreign_anon_vma=0x%lx anon_vma=0x%lx num_active_vmas=%lu\n", anon_pid, anon_addr,
		page_to_pfn(a), page_to_pfn(b), page_mapcount(b), page_to_pfn(c),
		anon_addr + 2 * PAGE_SIZE, (unsigned long)other->anon_vma,
		(unsigned long)vma->anon_vma, vma->anon_vma->num_active_vmas);
	mmap_read_unlock(mm);
	return 0;
}

/* The lock holders: each takes its lock, says so, completes, and sleeps. */
struct holder {
	const char *name;
	struct mm_struct *mm;
	struct address_space *mapping;
	struct hugetlb_vma_lock *vl;
	spinlock_t *ptl;
	struct completion held, *other_held;
	unsigned long addr, table_pfn;
};

static int hold_mmap(void *arg)
{
	struct holder *h = arg;

	mmap_write_lock(h->mm);
	pr_info("ptscope_inject: mmap holder=%d pid=%d mm=0x%lx mode=write\n", current->pid,
		mmap_pid, (unsigned long)h->mm);
	complete(&h->held);
	park();
	return 0;
}

static int hold_imap(void *arg)
{
	struct holder *h = arg;

	i_mmap_lock_read(h->mapping);
	pr_info("ptscope_inject: imap holder=%d pid=%d mapping=0x%lx mode=read\n", current->pid,
		imap_pid, (unsigned long)h->mapping);
	complete(&h->held);
	park();
	return 0;
}

static int hold_ptl(void *arg)
{
	struct holder *h = arg;

	spin_lock(h->ptl);
	/* Held, but this thread may sleep: a spinlock records no owner, so
	 * the dump shows a locked lock and nobody spinning on it. */
	preempt_enable();
	pr_info("ptscope_inject: ptl holder=%d pid=%d addr=0x%lx table_pfn=0x%lx lock=0x%lx\n",
		current->pid, ptl_pid, h->addr, h->table_pfn, (unsigned long)h->ptl);
	complete(&h->held);
	park();
	return 0;
}

/* A: the file's i_mmap_rwsem for write, then the vma_lock for write. */
static int abba_a(void *arg)
{
	struct holder *h = arg;

	i_mmap_lock_write(h->mapping);
	pr_info("ptscope_inject: abba-a holder=%d mapping=0x%lx mode=write waits=0x%lx mode=write\n",
		current->pid, (unsigned long)h->mapping, (unsigned long)&h->vl->rw_sema);
	complete(&h->held);
	wait_for_completion(h->other_held);
	down_write(&h->vl->rw_sema);	/* never returns */
	park();
	return 0;
}

/* B: the vma_lock for read, then the file's i_mmap_rwsem for read. */
static int abba_b(void *arg)
{
	struct holder *h = arg;

	down_read(&h->vl->rw_sema);
	pr_info("ptscope_inject: abba-b holder=%d lock=0x%lx mode=read waits=0x%lx mode=read\n",
		current->pid, (unsigned long)&h->vl->rw_sema, (unsigned long)&h->mapping->i_mmap_rwsem);
	complete(&h->held);
	wait_for_completion(h->other_held);
	i_mmap_lock_read(h->mapping);	/* never returns */
	park();
	return 0;
}

static struct holder hmmap = { .name = "ptscope-mmap" }, himap = { .name = "ptscope-imap" },
		     hptl = { .name = "ptscope-ptl" }, ha = { .name = "ptscope-abba-a" },
		     hb = { .name = "ptscope-abba-b" };

static int start(struct holder *h, int (*fn)(void *))
{
	struct task_struct *t;

	if (h != &hb)	/* hb's is made before ha starts (inject_locks) */
		init_completion(&h->held);
	t = kthread_run(fn, h, "%s", h->name);
	return IS_ERR(t) ? PTR_ERR(t) : 0;
}

static struct vm_area_struct *vma_at(struct mm_struct *mm, unsigned long addr)
{
	struct vm_area_struct *vma;

	mmap_read_lock(mm);
	vma = find_vma(mm, addr);
	if (vma && vma->vm_start > addr)
		vma = NULL;
	mmap_read_unlock(mm);
	return vma;	/* the process sleeps: the VMA stays */
}

static int inject_locks(void)
{
	struct vm_area_struct *vma;
	int err = 0;

	if (mmap_pid) {
		hmmap.mm = mm_of(mmap_pid);
		err = hmmap.mm ? start(&hmmap, hold_mmap) : -ESRCH;
		if (!err)
			wait_for_completion(&hmmap.held);
	}
	if (!err && imap_pid) {
		struct mm_struct *mm = mm_of(imap_pid);

		vma = mm ? vma_at(mm, imap_addr) : NULL;
		if (!vma || !vma->vm_file)
			return -ENOENT;
		himap.mapping = vma->vm_file->f_mapping;
		err = start(&himap, hold_imap);
		if (!err)
			wait_for_completion(&himap.held);
	}
	if (!err && ptl_pid) {
		struct mm_struct *mm = mm_of(ptl_pid);
		pmd_t *pmd;

		if (!mm)
			return -ESRCH;
		mmap_read_lock(mm);
		pmd = pmd_of(mm, ptl_addr);
		if (!pmd || pmd_none(*pmd) || (pmd_val(*pmd) & _PAGE_PSE)) {
			mmap_read_unlock(mm);
			return -ENOENT;
		}
		hptl.ptl = pte_lockptr(mm, pmd);
		hptl.addr = ptl_addr;
		hptl.table_pfn = pmd_pfn(*pmd);
		mmap_read_unlock(mm);
		err = start(&hptl, hold_ptl);
		if (!err)
			wait_for_completion(&hptl.held);
	}
	if (!err && abba_pid) {
		struct mm_struct *mm = mm_of(abba_pid);

		vma = mm ? vma_at(mm, abba_addr) : NULL;
		if (!vma || !is_vm_hugetlb_page(vma) || !(vma->vm_flags & VM_MAYSHARE) ||
		    !vma->vm_private_data)
			return -ENOENT;
		ha.mapping = hb.mapping = vma->vm_file->f_mapping;
		ha.vl = hb.vl = vma->vm_private_data;
		ha.other_held = &hb.held;
		hb.other_held = &ha.held;
		/* Both completions ready before either thread runs: A may wait
		 * on B's before start(&hb) would initialise it (a zeroed
		 * completion oopses in wait_for_completion's list_add). */
		init_completion(&hb.held);
		err = start(&ha, abba_a);
		if (!err)
			err = start(&hb, abba_b);
		if (!err)
			pr_info("ptscope_inject: abba pid=%d addr=0x%lx\n", abba_pid, vma->vm_start);
	}
	return err;
}

static int __init inject_init(void)
{
	int err = 0;

	if (hgm_pid)
		err = inject_hgm();
	if (!err && share_pid)
		err = inject_share();
	if (!err && stale_pid)
		err = inject_stale();
	if (!err && anon_pid)
		err = inject_anon();
	if (!err)
		err = inject_locks();
	pr_info("ptscope_inject: done err=%d\n", err);
	/* Loaded even on error: its kthreads may hold locks by now. */
	return 0;
}

module_init(inject_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ptscope test bed: injects page-table, hugetlb and lock states");
