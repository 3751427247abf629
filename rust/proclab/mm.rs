// SPDX-License-Identifier: GPL-2.0

//! [`task_mm`] and [`look`]: a process's address space, and one page of it as its page table
//! maps it, looked at without faulting it in or breaking copy-on-write.
//!
//! C headers: [`include/linux/pgtable.h`](srctree/include/linux/pgtable.h),
//! [`include/linux/mm.h`](srctree/include/linux/mm.h); C reference: the GUP-fast walk of
//! `mm/gup.c`.
//!
//! The kernel's page-walk helpers (`walk_page_range()`) and the page-table lock are not
//! exported to modules, and `get_user_pages_remote()` faults pages in. So the walk is the one
//! GUP-fast does, done here under `mmap_read_lock()`: each level read once, the PTE page looked
//! at under RCU as `pte_offset_map()` does (its `__pte_offset_map()` is not exported either:
//! 64-bit x86 has no `HIGHPTE`, so it is the PMD's checks and `pte_offset_kernel()`), the PTE
//! read with `ptep_get_lockless()`; a reference to the
//! folio is taken only if its count is not zero (it may be freed meanwhile), and the PTE read
//! again: if it changed, the result is [`Mapping::Changed`]. The reference is dropped before
//! the walk returns, and not counted in [`Page::refcount`].
//!
//! A module that uses this file links `rust/helpers/mm.c` into itself.

use core::ptr::NonNull;
use kernel::{
    bindings,
    mm::{virt::flags, MmWithUser},
    sync::{aref::ARef, rcu},
    task::Task,
};

// bindgen's `mm_struct`, `folio` and the page-table entry types hold types the lint deems not
// FFI-safe; only pointers and word-sized entries cross.
#[allow(improper_ctypes)]
extern "C" {
    fn proclab_get_task_mm(task: *mut bindings::task_struct) -> *mut bindings::mm_struct;
    fn proclab_pgd_offset(mm: *mut bindings::mm_struct, addr: usize) -> *mut bindings::pgd_t;
    fn proclab_pgd_table(pgd: *mut bindings::pgd_t) -> bool;
    fn proclab_p4d_offset(pgd: *mut bindings::pgd_t, addr: usize) -> *mut bindings::p4d_t;
    fn proclab_p4d_table(p4d: *mut bindings::p4d_t) -> bool;
    fn proclab_pud_offset(p4d: *mut bindings::p4d_t, addr: usize) -> *mut bindings::pud_t;
    fn proclab_pud_table(pud: *mut bindings::pud_t) -> bool;
    fn proclab_pmd_offset(pud: *mut bindings::pud_t, addr: usize) -> *mut bindings::pmd_t;
    fn proclab_pmdp_get_lockless(pmd: *mut bindings::pmd_t) -> bindings::pmd_t;
    fn proclab_pmd_none(pmd: bindings::pmd_t) -> bool;
    fn proclab_pmd_leaf(pmd: bindings::pmd_t) -> bool;
    fn proclab_pmd_bad(pmd: bindings::pmd_t) -> bool;
    fn proclab_pte_offset_kernel(pmd: *mut bindings::pmd_t, addr: usize) -> *mut bindings::pte_t;
    fn proclab_ptep_get_lockless(pte: *mut bindings::pte_t) -> bindings::pte_t;
    fn proclab_pte_same(a: bindings::pte_t, b: bindings::pte_t) -> bool;
    fn proclab_pte_none(pte: bindings::pte_t) -> bool;
    fn proclab_pte_present(pte: bindings::pte_t) -> bool;
    fn proclab_pte_special(pte: bindings::pte_t) -> bool;
    fn proclab_pte_write(pte: bindings::pte_t) -> bool;
    fn proclab_pte_dirty(pte: bindings::pte_t) -> bool;
    fn proclab_pte_pfn(pte: bindings::pte_t) -> usize;
    fn proclab_try_get_folio(pfn: usize) -> *mut bindings::folio;
    fn proclab_folio_put(folio: *mut bindings::folio);
    fn proclab_folio_ref_count(folio: *mut bindings::folio) -> i32;
    fn proclab_folio_mapcount(folio: *mut bindings::folio) -> i32;
    fn proclab_folio_test_anon(folio: *mut bindings::folio) -> bool;
    fn proclab_folio_order(folio: *mut bindings::folio) -> u32;
    fn proclab_page_anon_exclusive(pfn: usize) -> bool;
    fn proclab_get_mm_counter_sum(mm: *mut bindings::mm_struct, member: i32) -> usize;
    fn proclab_mm_pgtables_bytes(mm: *mut bindings::mm_struct) -> usize;
    fn proclab_mm_total_vm(mm: *mut bindings::mm_struct) -> usize;
    fn proclab_mm_map_count(mm: *mut bindings::mm_struct) -> i32;
    fn proclab_mm_users(mm: *mut bindings::mm_struct) -> i32;
    fn proclab_mm_count(mm: *mut bindings::mm_struct) -> i32;
    fn proclab_task_group_faults(
        task: *mut bindings::task_struct,
        min: *mut usize,
        maj: *mut usize,
    );
}

/// A process's memory accounting, in pages, as `/proc/<pid>/status` and `stat` report it.
#[derive(Clone, Copy)]
pub(crate) struct Accounting {
    pub(crate) total_vm: usize,
    pub(crate) anon: usize,
    pub(crate) file: usize,
    pub(crate) shmem: usize,
    pub(crate) swap: usize,
    /// In bytes (`VmPTE` is this over 1024).
    pub(crate) pgtables_bytes: usize,
    pub(crate) map_count: i32,
    pub(crate) mm_users: i32,
    pub(crate) mm_count: i32,
    pub(crate) min_flt: usize,
    pub(crate) maj_flt: usize,
}

/// `mm`'s accounting, with `task`'s thread group's faults.
pub(crate) fn accounting(task: &Task, mm: &MmWithUser) -> Accounting {
    let m = mm.as_raw();
    let (mut min_flt, mut maj_flt) = (0, 0);
    // SAFETY: `task` is live; the shim reads its `signal_struct` (which lives as long as the
    // task) under the locks `do_task_stat()` takes, and writes the two counts.
    unsafe { proclab_task_group_faults(task.as_ptr(), &mut min_flt, &mut maj_flt) };
    // SAFETY: `m` is live (`mm` holds `mm_users`); the shims read counters and fields that
    // may change meanwhile, each once.
    unsafe {
        Accounting {
            total_vm: proclab_mm_total_vm(m),
            anon: proclab_get_mm_counter_sum(m, bindings::MM_ANONPAGES as i32),
            file: proclab_get_mm_counter_sum(m, bindings::MM_FILEPAGES as i32),
            shmem: proclab_get_mm_counter_sum(m, bindings::MM_SHMEMPAGES as i32),
            swap: proclab_get_mm_counter_sum(m, bindings::MM_SWAPENTS as i32),
            pgtables_bytes: proclab_mm_pgtables_bytes(m),
            map_count: proclab_mm_map_count(m),
            mm_users: proclab_mm_users(m),
            mm_count: proclab_mm_count(m),
            min_flt,
            maj_flt,
        }
    }
}

/// `task`'s address space, with a reference that keeps it (`mm_users`); `None` for a kernel
/// thread or a task past `exit_mm()`.
pub(crate) fn task_mm(task: &Task) -> Option<ARef<MmWithUser>> {
    // SAFETY: `task` is a live task; `get_task_mm()` takes its `task_lock()` and returns its
    // `mm` with `mm_users` raised, or NULL.
    let mm = NonNull::new(unsafe { proclab_get_task_mm(task.as_ptr()) })?;
    // SAFETY: The reference `get_task_mm()` took is handed to the `ARef`, whose drop is the
    // `mmput()`; `MmWithUser` is a transparent wrapper of `mm_struct` for an `mm` whose
    // `mm_users` is not zero, which the reference ensures.
    Some(unsafe { ARef::from_raw(mm.cast::<MmWithUser>()) })
}

/// The mapping an address is in, as `/proc/<pid>/maps` shows it.
#[derive(Clone, Copy)]
pub(crate) struct Vma {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) read: bool,
    pub(crate) write: bool,
    pub(crate) exec: bool,
    pub(crate) shared: bool,
}

/// A present page and what the kernel accounts for it.
#[derive(Clone, Copy)]
pub(crate) struct Page {
    pub(crate) pfn: usize,
    /// The PTE's write bit: 0 on both sides of a copy-on-write mapping.
    pub(crate) writable: bool,
    pub(crate) dirty: bool,
    pub(crate) anon: bool,
    /// `PageAnonExclusive()`: this process alone maps it, and may write it without a copy.
    pub(crate) exclusive: bool,
    /// The folio's reference count, less the walk's own reference.
    pub(crate) refcount: i32,
    /// How many page tables map the folio.
    pub(crate) mapcount: i32,
    /// The folio's order: 0 for a small page.
    pub(crate) order: u32,
}

/// What the page table has for an address.
#[derive(Clone, Copy)]
pub(crate) enum Mapping {
    /// No PTE: never touched, or dropped.
    None,
    /// A PTE that is not present: swapped out or migrating.
    NotPresent,
    /// A PMD leaf (a huge page): not walked further.
    Huge,
    /// A special PTE, with no `struct page` to account (the shared zero page, `VM_PFNMAP`).
    Special { pfn: usize, writable: bool },
    /// A page.
    Page(Page),
    /// The PTE changed under the walk (or the folio was being freed): look again.
    Changed,
}

/// The VMA `addr` is in and what the page table maps there; `None` if no VMA covers it.
pub(crate) fn look(mm: &MmWithUser, addr: usize) -> Option<(Vma, Mapping)> {
    let guard = mm.mmap_read_lock();
    let vma = guard.vma_lookup(addr)?;
    let f = vma.flags();
    let vma = Vma {
        start: vma.start(),
        end: vma.end(),
        read: f & flags::READ != 0,
        write: f & flags::WRITE != 0,
        exec: f & flags::EXEC != 0,
        shared: f & flags::MAYSHARE != 0,
    };
    // SAFETY: `mmap_read_lock()` is held (`guard`): the page tables under the VMA stay
    // allocated down to the PMD, and `pte_offset_map()` covers the PTE page with RCU.
    let mapping = unsafe { walk(mm.as_raw(), addr) };
    drop(guard);
    Some((vma, mapping))
}

/// # Safety
///
/// `mm`'s `mmap_lock` is held for reading, and `addr` is in one of its VMAs: the page tables
/// down to the PMD stay allocated (freeing them takes the lock for writing).
unsafe fn walk(mm: *mut bindings::mm_struct, addr: usize) -> Mapping {
    // SAFETY: `mm` is live (the caller holds its lock); `pgd_offset()` only computes.
    let pgd = unsafe { proclab_pgd_offset(mm, addr) };
    // SAFETY: `pgd` points into `mm`'s top-level table, allocated with it.
    if !unsafe { proclab_pgd_table(pgd) } {
        return Mapping::None;
    }
    // SAFETY: `pgd` is a table entry (just checked), which stays one under the caller's lock.
    let p4d = unsafe { proclab_p4d_offset(pgd, addr) };
    // SAFETY: `p4d` points into the table `pgd` names.
    if !unsafe { proclab_p4d_table(p4d) } {
        return Mapping::None;
    }
    // SAFETY: As for `p4d`, one level down.
    let pud = unsafe { proclab_pud_offset(p4d, addr) };
    // SAFETY: `pud` points into the table `p4d` names.
    if !unsafe { proclab_pud_table(pud) } {
        return Mapping::None;
    }
    // SAFETY: As for `pud`, one level down.
    let pmdp = unsafe { proclab_pmd_offset(pud, addr) };
    // The PTE page may be freed after an RCU grace period (khugepaged's collapse retracts it
    // under the read lock): look at it only inside an RCU read-side section.
    let rcu = rcu::read_lock();
    // SAFETY: `pmdp` points into the table `pud` names; read once, as the entry may change.
    let mut pmd = unsafe { proclab_pmdp_get_lockless(pmdp) };
    // SAFETY: These test the value read.
    let (none, leaf, bad) = unsafe {
        (
            proclab_pmd_none(pmd),
            proclab_pmd_leaf(pmd),
            proclab_pmd_bad(pmd),
        )
    };
    // A huge PMD is also "bad" to `pmd_bad()` (it is no table): test for the leaf first.
    if none {
        return Mapping::None;
    }
    if leaf {
        return Mapping::Huge;
    }
    if bad {
        return Mapping::None;
    }
    // SAFETY: `pmd` is a copy of an entry that names a PTE page, which RCU keeps allocated.
    let ptep = unsafe { proclab_pte_offset_kernel(&raw mut pmd, addr) };
    // SAFETY: `ptep` points into that PTE page, under `rcu`.
    let m = unsafe { at_pte(ptep) };
    drop(rcu);
    m
}

/// # Safety
///
/// `ptep` points into a PTE page that an RCU read-side section of the caller keeps allocated.
unsafe fn at_pte(ptep: *mut bindings::pte_t) -> Mapping {
    // SAFETY: `ptep` is valid (the caller's promise); read once, as the entry may change.
    let pte = unsafe { proclab_ptep_get_lockless(ptep) };
    // SAFETY: These test the value read.
    let (none, present, special, writable, pfn) = unsafe {
        (
            proclab_pte_none(pte),
            proclab_pte_present(pte),
            proclab_pte_special(pte),
            proclab_pte_write(pte),
            proclab_pte_pfn(pte),
        )
    };
    if none {
        return Mapping::None;
    }
    if !present {
        return Mapping::NotPresent;
    }
    if special {
        return Mapping::Special { pfn, writable };
    }
    // SAFETY: A present PTE that is not special maps a page with a `struct page`.
    let folio = unsafe { proclab_try_get_folio(pfn) };
    if folio.is_null() {
        return Mapping::Changed;
    }
    // SAFETY: `ptep` is still valid (RCU); `folio` holds the reference just taken, dropped at
    // the end, so the folio's fields may be read in between.
    let page = unsafe {
        if !proclab_pte_same(pte, proclab_ptep_get_lockless(ptep)) {
            proclab_folio_put(folio);
            return Mapping::Changed;
        }
        let anon = proclab_folio_test_anon(folio);
        let page = Page {
            pfn,
            writable,
            dirty: proclab_pte_dirty(pte),
            anon,
            exclusive: anon && proclab_page_anon_exclusive(pfn),
            refcount: proclab_folio_ref_count(folio) - 1,
            mapcount: proclab_folio_mapcount(folio),
            order: proclab_folio_order(folio),
        };
        proclab_folio_put(folio);
        page
    };
    Mapping::Page(page)
}
