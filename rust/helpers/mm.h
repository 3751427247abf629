/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prototypes of the shims in mm.c. rust/proclab/mm.rs declares the same
 * functions; keep them in sync.
 */
#ifndef PROCLAB_HELPERS_MM_H
#define PROCLAB_HELPERS_MM_H

#include <linux/types.h>
#include <linux/pgtable.h>

struct folio;
struct mm_struct;
struct page;
struct task_struct;

struct mm_struct *proclab_get_task_mm(struct task_struct *task);

pgd_t *proclab_pgd_offset(struct mm_struct *mm, unsigned long addr);
bool proclab_pgd_table(pgd_t *pgd);
p4d_t *proclab_p4d_offset(pgd_t *pgd, unsigned long addr);
bool proclab_p4d_table(p4d_t *p4d);
pud_t *proclab_pud_offset(p4d_t *p4d, unsigned long addr);
bool proclab_pud_table(pud_t *pud);
pmd_t *proclab_pmd_offset(pud_t *pud, unsigned long addr);
pmd_t proclab_pmdp_get_lockless(pmd_t *pmd);
bool proclab_pmd_none(pmd_t pmd);
bool proclab_pmd_leaf(pmd_t pmd);
bool proclab_pmd_bad(pmd_t pmd);
pte_t *proclab_pte_offset_kernel(pmd_t *pmd, unsigned long addr);
pte_t proclab_ptep_get_lockless(pte_t *pte);
bool proclab_pte_same(pte_t a, pte_t b);
bool proclab_pte_none(pte_t pte);
bool proclab_pte_present(pte_t pte);
bool proclab_pte_special(pte_t pte);
bool proclab_pte_write(pte_t pte);
bool proclab_pte_dirty(pte_t pte);
unsigned long proclab_pte_pfn(pte_t pte);

struct folio *proclab_try_get_folio(unsigned long pfn);
void proclab_folio_put(struct folio *folio);
int proclab_folio_ref_count(struct folio *folio);
int proclab_folio_mapcount(struct folio *folio);
bool proclab_folio_test_anon(struct folio *folio);
unsigned int proclab_folio_order(struct folio *folio);
bool proclab_page_anon_exclusive(unsigned long pfn);

unsigned long proclab_get_mm_counter_sum(struct mm_struct *mm, int member);
unsigned long proclab_mm_pgtables_bytes(struct mm_struct *mm);
unsigned long proclab_mm_total_vm(struct mm_struct *mm);
int proclab_mm_map_count(struct mm_struct *mm);
int proclab_mm_users(struct mm_struct *mm);
int proclab_mm_count(struct mm_struct *mm);
void proclab_task_group_faults(struct task_struct *task, unsigned long *min_flt,
			       unsigned long *maj_flt);

#endif /* PROCLAB_HELPERS_MM_H */
