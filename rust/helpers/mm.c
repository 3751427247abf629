// SPDX-License-Identifier: GPL-2.0
/*
 * C shims for rust/proclab/mm.rs: the page-table accessors of
 * <linux/pgtable.h> and the folio accessors of <linux/mm.h> and
 * <linux/page_ref.h>, all static inlines or macros. The walk itself is in
 * Rust. Included into each module that uses them.
 */

#include <linux/mm.h>
#include <linux/page_ref.h>
#include <linux/pgtable.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/seqlock.h>

#include "mm.h"

/* get_task_mm() is exported; a shim keeps the Rust side free of task_lock. */
struct mm_struct *proclab_get_task_mm(struct task_struct *task)
{
	return get_task_mm(task);
}

pgd_t *proclab_pgd_offset(struct mm_struct *mm, unsigned long addr)
{
	return pgd_offset(mm, addr);
}

/* A table below: neither empty nor bad (a leaf at this level is neither). */
bool proclab_pgd_table(pgd_t *pgd)
{
	pgd_t v = pgdp_get(pgd);

	return !pgd_none(v) && !pgd_bad(v);
}

p4d_t *proclab_p4d_offset(pgd_t *pgd, unsigned long addr)
{
	return p4d_offset(pgd, addr);
}

bool proclab_p4d_table(p4d_t *p4d)
{
	p4d_t v = p4dp_get(p4d);

	return !p4d_none(v) && !p4d_bad(v);
}

pud_t *proclab_pud_offset(p4d_t *p4d, unsigned long addr)
{
	return pud_offset(p4d, addr);
}

bool proclab_pud_table(pud_t *pud)
{
	pud_t v = pudp_get(pud);

	return !pud_none(v) && !pud_leaf(v) && !pud_bad(v);
}

pmd_t *proclab_pmd_offset(pud_t *pud, unsigned long addr)
{
	return pmd_offset(pud, addr);
}

pmd_t proclab_pmdp_get_lockless(pmd_t *pmd)
{
	return pmdp_get_lockless(pmd);
}

bool proclab_pmd_none(pmd_t pmd)
{
	return pmd_none(pmd);
}

bool proclab_pmd_leaf(pmd_t pmd)
{
	return pmd_leaf(pmd);
}

bool proclab_pmd_bad(pmd_t pmd)
{
	return pmd_bad(pmd);
}

/*
 * The PTE for addr in the PTE page pmd points to. __pte_offset_map(), which
 * pte_offset_map() calls, is not exported; without CONFIG_HIGHPTE it is this
 * after its checks, which the Rust side makes under rcu_read_lock().
 */
pte_t *proclab_pte_offset_kernel(pmd_t *pmd, unsigned long addr)
{
	return pte_offset_kernel(pmd, addr);
}

pte_t proclab_ptep_get_lockless(pte_t *pte)
{
	return ptep_get_lockless(pte);
}

bool proclab_pte_same(pte_t a, pte_t b)
{
	return pte_same(a, b);
}

bool proclab_pte_none(pte_t pte)
{
	return pte_none(pte);
}

bool proclab_pte_present(pte_t pte)
{
	return pte_present(pte);
}

bool proclab_pte_special(pte_t pte)
{
	return pte_special(pte);
}

bool proclab_pte_write(pte_t pte)
{
	return pte_write(pte);
}

bool proclab_pte_dirty(pte_t pte)
{
	return pte_dirty(pte);
}

unsigned long proclab_pte_pfn(pte_t pte)
{
	return pte_pfn(pte);
}

/*
 * A reference to the folio of pfn, as GUP-fast takes one (try_get_folio()
 * in mm/gup.c): the folio may be freed and reused meanwhile, so take the
 * reference only if the count is not zero, and keep it only if the page
 * still belongs to that folio. NULL if either fails.
 */
struct folio *proclab_try_get_folio(unsigned long pfn)
{
	struct page *page = pfn_to_page(pfn);
	struct folio *folio = page_folio(page);

	if (!folio_try_get(folio))
		return NULL;
	if (unlikely(page_folio(page) != folio)) {
		folio_put(folio);
		return NULL;
	}
	return folio;
}

void proclab_folio_put(struct folio *folio)
{
	folio_put(folio);
}

int proclab_folio_ref_count(struct folio *folio)
{
	return folio_ref_count(folio);
}

int proclab_folio_mapcount(struct folio *folio)
{
	return folio_mapcount(folio);
}

bool proclab_folio_test_anon(struct folio *folio)
{
	return folio_test_anon(folio);
}

unsigned int proclab_folio_order(struct folio *folio)
{
	return folio_order(folio);
}

bool proclab_page_anon_exclusive(unsigned long pfn)
{
	return PageAnonExclusive(pfn_to_page(pfn));
}

/* The exact sum of an RSS counter, as /proc/<pid>/status reads it. */
unsigned long proclab_get_mm_counter_sum(struct mm_struct *mm, int member)
{
	return get_mm_counter_sum(mm, member);
}

/* VmPTE's bytes. */
unsigned long proclab_mm_pgtables_bytes(struct mm_struct *mm)
{
	return mm_pgtables_bytes(mm);
}

unsigned long proclab_mm_total_vm(struct mm_struct *mm)
{
	return READ_ONCE(mm->total_vm);
}

int proclab_mm_map_count(struct mm_struct *mm)
{
	return READ_ONCE(mm->map_count);
}

int proclab_mm_users(struct mm_struct *mm)
{
	return atomic_read(&mm->mm_users);
}

int proclab_mm_count(struct mm_struct *mm)
{
	return atomic_read(&mm->mm_count);
}

/*
 * The process's minor and major faults as /proc/<pid>/stat sums them
 * (do_task_stat() with whole): the dead threads' in signal_struct and each
 * live thread's, read under the same locks.
 */
void proclab_task_group_faults(struct task_struct *task, unsigned long *min_flt,
			       unsigned long *maj_flt)
{
	struct signal_struct *sig = task->signal;
	struct task_struct *t;

	scoped_guard(rcu) {
		scoped_seqlock_read (&sig->stats_lock, ss_lock_irqsave) {
			*min_flt = sig->min_flt;
			*maj_flt = sig->maj_flt;
			__for_each_thread(sig, t) {
				*min_flt += t->min_flt;
				*maj_flt += t->maj_flt;
			}
		}
	}
}
