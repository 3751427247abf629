// SPDX-License-Identifier: GPL-2.0

//! debugfs directories of files that are formatted once per read, however large they are: the
//! file plumbing. The table writer the files write into is [`SeqOut`] (`debugfs/seq_out.rs`).
//!
//! Upstream `kernel::debugfs` (7.3) has `Dir`, files that own their data and `Dir::scope()`.
//! proclab keeps its own plumbing for what upstream lacks:
//!
//! - **A buffer sized for the output.** Upstream opens a callback file with `single_open()`:
//!   the `seq_file` buffer starts at one page, and every time the output does not fit,
//!   `seq_read()` frees it, allocates one twice as large and calls the callback again from the
//!   start. A table of 5,000 tasks (about 1 MiB) is then formatted eleven times to be read once.
//!   The files here are opened with `single_open_size()`, sized by the file's own estimate or
//!   by its last output, whichever is larger, so one walk normally fills the buffer; if both
//!   fall short, `seq_file` grows the buffer as before, and the output stops being formatted as
//!   soon as it overflows.
//! - **`owner`.** Upstream's file operations set no `owner`, so nothing stops `rmmod` while a
//!   file is open. Here an open file holds a reference on the module ([`Ops`]).
//! - **Commands.** A writable file takes commands from a [`Table`] (`cmd.rs`), and every
//!   directory that has one gets a `grammar` file listing them.
//! - **The shared root.** Every module's directory goes under `/sys/kernel/debug/proclab`, which
//!   `proclab_core` creates; upstream's `Dir` does not expose its dentry, so a directory is either
//!   all upstream's or all proclab's, and a file of ours cannot go into an upstream `Dir`. Every
//!   directory here has large tables or commands, so none is upstream's.
//!
//! The files of a directory share one `T`, which the directory owns: [`Files`] removes the
//! directory (and waits for the file operations in flight, as `debugfs_remove()` does) before it
//! frees the `T`. Kernel addresses never reach a file: the callbacks see only `&T`.

use core::{
    ffi::{c_void, CStr},
    fmt,
    marker::PhantomData,
    ptr,
    sync::atomic::{AtomicUsize, Ordering},
};
use kernel::{
    bindings,
    error::from_err_ptr,
    page::PAGE_SIZE,
    prelude::*,
    sync::Arc,
    uaccess::{UserPtr, UserSlice},
};

use crate::cmd::{self, Table};

#[path = "debugfs/seq_out.rs"]
mod seq_out;
// Not every module writes tables.
#[allow(unused_imports)]
pub(crate) use seq_out::{Cell, Column, SeqOut};

/// One file of a [`Files`] directory.
pub(crate) struct FileSpec<T: 'static> {
    /// The file name.
    pub(crate) name: &'static CStr,
    /// Writes the file's contents. An `Err` from a full buffer makes `seq_file` call again with
    /// a larger one; any other `Err` (an allocation that failed) fails the `read()` with
    /// `ENOMEM`, and nothing of this call's output is shown: never a silently cut table.
    pub(crate) show: fn(&T, &mut SeqOut) -> fmt::Result,
    /// About how many bytes `show` will write now: each open allocates the buffer at this size,
    /// or at the size of the last output and an eighth if that is larger.
    pub(crate) size_hint: fn(&T) -> usize,
    /// The commands the file takes: `Some` makes the file 0600 instead of 0400, and lists the
    /// commands in the directory's `grammar` file. A command is one `write()` at offset 0.
    pub(crate) write: Option<&'static Table<T>>,
}

impl<T: 'static> FileSpec<T> {
    /// A read-only file of about one page.
    pub(crate) const fn page(
        name: &'static CStr,
        show: fn(&T, &mut SeqOut) -> fmt::Result,
    ) -> Self {
        FileSpec {
            name,
            show,
            size_hint: one_page,
            write: None,
        }
    }

    /// A read-only file whose size `size_hint` estimates.
    pub(crate) const fn sized(
        name: &'static CStr,
        show: fn(&T, &mut SeqOut) -> fmt::Result,
        size_hint: fn(&T) -> usize,
    ) -> Self {
        FileSpec {
            name,
            show,
            size_hint,
            write: None,
        }
    }

    /// A file of about one page that takes `commands` (mode 0600).
    pub(crate) const fn control(
        name: &'static CStr,
        show: fn(&T, &mut SeqOut) -> fmt::Result,
        commands: &'static Table<T>,
    ) -> Self {
        FileSpec {
            name,
            show,
            size_hint: one_page,
            write: Some(commands),
        }
    }
}

/// The [`FileSpec::size_hint`] of a small file: one page (the least a buffer gets).
pub(crate) fn one_page<T>(_: &T) -> usize {
    PAGE_SIZE
}

/// The name of the file that lists the commands of a directory's writable files.
const GRAMMAR: &CStr = c"grammar";

/// What a file's inode points to: its spec (or the directory's grammar) and the directory's
/// data.
struct Node<T: 'static> {
    /// The specs of the directory's files.
    specs: &'static [FileSpec<T>],
    /// This file's spec in `specs`, or `specs.len()` for the `grammar` file.
    index: usize,
    data: *const T,
    /// The size of the file's last output: the next open sizes its buffer from it when the
    /// file's own estimate is smaller (a file of one page, an estimate that falls short).
    last_len: AtomicUsize,
}

impl<T> Node<T> {
    /// The file's spec; `None` for the `grammar` file.
    fn spec(&self) -> Option<&'static FileSpec<T>> {
        self.specs.get(self.index)
    }

    /// What the file shows: the spec's `show`, or the grammar of the directory's commands.
    fn show(&self, data: &T, out: &mut SeqOut) -> fmt::Result {
        match self.spec() {
            Some(spec) => (spec.show)(data, out),
            None => {
                for spec in self.specs {
                    if let (Some(table), Ok(name)) = (spec.write, spec.name.to_str()) {
                        table.grammar(name, out)?;
                    }
                }
                Ok(())
            }
        }
    }

    /// About how many bytes the file shows now.
    fn size_hint(&self, data: &T) -> usize {
        match self.spec() {
            Some(spec) => (spec.size_hint)(data),
            None => PAGE_SIZE,
        }
    }
}

/// A debugfs dentry that this module created and removes when dropped.
///
/// # Invariants
///
/// `0` is a dentry returned by a successful `debugfs_create_*()` call and not yet removed.
struct Dentry(*mut bindings::dentry);

impl Drop for Dentry {
    fn drop(&mut self) {
        // SAFETY: By the type invariant the dentry is live and ours to remove; removal waits for
        // the file operations in flight on it and on everything below it.
        unsafe { bindings::debugfs_remove(self.0) };
    }
}

// SAFETY: A dentry pointer may be dropped (removed) from any thread.
unsafe impl Send for Dentry {}
// SAFETY: `Dentry` offers no access through a shared reference.
unsafe impl Sync for Dentry {}

// bindgen's `dentry` holds types the lint deems not FFI-safe; only the pointer crosses.
#[allow(improper_ctypes)]
extern "C" {
    /// Exported by `proclab_core` (`rust/helpers/root.c`).
    fn proclab_debugfs_root() -> *mut bindings::dentry;
}

/// `/sys/kernel/debug/proclab`, which `proclab_core` owns.
///
/// # Invariants
///
/// `0` is the live dentry of the directory. It stays live while this module is loaded: calling
/// `proclab_debugfs_root()` makes this module depend on `proclab_core`, which therefore cannot be
/// unloaded first, and it loaded (creating the directory) before this module.
#[derive(Clone, Copy)]
pub(crate) struct Root(*mut bindings::dentry);

impl Root {
    /// The shared directory.
    pub(crate) fn get() -> Self {
        // SAFETY: `proclab_core` is loaded (this module links against it) and its init has
        // created the directory.
        let d = unsafe { proclab_debugfs_root() };
        // INVARIANT: see above.
        Root(d)
    }
}

/// A directory of directories: `proclab/<name>/`, removed when the last [`Files`] in it (and
/// the last other reference) is gone.
// Only the modules with nested directories (proclab_ds) use it.
#[allow(dead_code)]
pub(crate) struct Dir(Dentry);

#[allow(dead_code)]
impl Dir {
    /// Creates `proclab/<name>/`.
    pub(crate) fn new(root: Root, name: &CStr) -> Result<Arc<Self>> {
        // SAFETY: `root.0` is live by the invariant of `Root` (while this module is loaded, so
        // longer than `Self`); the name is NUL-terminated.
        let d = unsafe { bindings::debugfs_create_dir(name.as_char_ptr(), root.0) };
        // INVARIANT: `debugfs_create_dir()` succeeded.
        Ok(Arc::new(Dir(Dentry(from_err_ptr(d)?)), GFP_KERNEL)?)
    }
}

/// A directory under [`Root`] (or under a [`Dir`]) whose files show one `T`, owned by the
/// directory.
///
/// # Invariants
///
/// Every file in `_dir` has as its inode's private data a pointer to an element of `_nodes`, whose
/// `data` points to `*_data`. `_nodes` is never resized after the files are created. The fields are
/// dropped in order: the directory (with its files, waiting for their operations in flight)
/// before the nodes and the data they point to, and before the parent [`Dir`] it is in, which
/// `_parent` keeps alive until then.
pub(crate) struct Files<T: Sync + 'static> {
    _dir: Dentry,
    _nodes: KVec<Node<T>>,
    _data: Pin<KBox<T>>,
    _parent: Option<Arc<Dir>>,
}

// SAFETY: The raw pointers in `nodes` point to `data`, which is `Sync`; the files only ever make
// shared references to it.
unsafe impl<T: Sync + Send + 'static> Send for Files<T> {}
// SAFETY: As above; `Files` itself gives out only `&T`.
unsafe impl<T: Sync + Send + 'static> Sync for Files<T> {}

impl<T: Sync + 'static> Files<T> {
    /// Creates `proclab/<name>/` with one file per spec, all showing `data`.
    pub(crate) fn new(
        root: Root,
        name: &CStr,
        data: impl PinInit<T, Error>,
        specs: &'static [FileSpec<T>],
    ) -> Result<Self> {
        Self::create(root.0, None, name, data, specs)
    }

    /// Creates `<parent>/<name>/` with one file per spec, all showing `data`.
    #[allow(dead_code)]
    pub(crate) fn new_in(
        parent: &Arc<Dir>,
        name: &CStr,
        data: impl PinInit<T, Error>,
        specs: &'static [FileSpec<T>],
    ) -> Result<Self> {
        Self::create((parent.0).0, Some(parent.clone()), name, data, specs)
    }

    /// `parent` is the live dentry of the root or of `keep`, which is kept as long as `Self`.
    fn create(
        parent: *mut bindings::dentry,
        keep: Option<Arc<Dir>>,
        name: &CStr,
        data: impl PinInit<T, Error>,
        specs: &'static [FileSpec<T>],
    ) -> Result<Self> {
        let data = KBox::pin_init(data, GFP_KERNEL)?;
        // SAFETY: `parent` is live: the root while this module is loaded (longer than `Self`),
        // or the `Dir` that `keep` holds and `Self` will hold; the name is NUL-terminated.
        let dir = unsafe { bindings::debugfs_create_dir(name.as_char_ptr(), parent) };
        // INVARIANT: `debugfs_create_dir()` succeeded.
        let dir = Dentry(from_err_ptr(dir)?);
        // One node per file, and one for `grammar` if any file takes commands.
        let writable = specs.iter().any(|s| s.write.is_some());
        let n = specs.len() + usize::from(writable);
        let mut nodes = KVec::with_capacity(n, GFP_KERNEL)?;
        for index in 0..n {
            nodes.push(
                Node {
                    specs,
                    index,
                    data: &*data,
                    last_len: AtomicUsize::new(0),
                },
                GFP_KERNEL,
            )?;
        }
        // No more pushes: the nodes stay where they are.
        if let Err(e) = Self::create_files(&dir, &nodes) {
            // The directory, with the files made so far, goes before the nodes they point to.
            drop(dir);
            return Err(e);
        }
        // INVARIANT: every file points to an element of `nodes`, which points to `data`.
        Ok(Files {
            _dir: dir,
            _nodes: nodes,
            _data: data,
            _parent: keep,
        })
    }

    /// Creates one file in `dir` per node.
    fn create_files(dir: &Dentry, nodes: &KVec<Node<T>>) -> Result {
        for node in nodes.iter() {
            let (name, mode, fops) = match node.spec() {
                Some(spec) if spec.write.is_some() => (spec.name, 0o600, &Ops::<T>::READ_WRITE),
                Some(spec) => (spec.name, 0o400, &Ops::<T>::READ),
                None => (GRAMMAR, 0o400, &Ops::<T>::READ),
            };
            // `node` and `node.data` outlive `dir` (and this file): by the field order of `Self`,
            // or by `new` dropping `dir` first when it fails.
            // SAFETY: `dir.0` is live, `node` outlives the file as said above, and the
            // operations expect exactly a `Node<T>` as the inode's private data.
            let file = unsafe {
                bindings::debugfs_create_file_full(
                    name.as_char_ptr(),
                    mode,
                    dir.0,
                    ptr::from_ref(node).cast_mut().cast(),
                    ptr::null(),
                    fops,
                )
            };
            from_err_ptr(file)?;
        }
        Ok(())
    }
}

/// The file operations of the files of a `Files<T>`.
struct Ops<T>(PhantomData<T>);

impl<T: Sync + 'static> Ops<T> {
    // `owner`: an open file holds a reference on the module (debugfs's proxy takes it in
    // `open` and drops it after calling `release`), so `rmmod` fails with `EBUSY` while a file
    // is open instead of leaving `release` to be called into freed module text.
    const READ: bindings::file_operations = bindings::file_operations {
        owner: <crate::LocalModule as kernel::ModuleMetadata>::THIS_MODULE.as_ptr(),
        open: Some(open::<T>),
        read: Some(bindings::seq_read),
        llseek: Some(bindings::seq_lseek),
        release: Some(bindings::single_release),
        ..pin_init::zeroed()
    };
    const READ_WRITE: bindings::file_operations = bindings::file_operations {
        owner: <crate::LocalModule as kernel::ModuleMetadata>::THIS_MODULE.as_ptr(),
        open: Some(open::<T>),
        read: Some(bindings::seq_read),
        write: Some(write::<T>),
        llseek: Some(bindings::seq_lseek),
        release: Some(bindings::single_release),
        ..pin_init::zeroed()
    };
}

/// The largest buffer a hint may ask for (`seq_buf_alloc()` refuses more than `MAX_RW_COUNT`).
const MAX_HINT: usize = 64 << 20;

/// `open`: a `seq_file` with a buffer of the file's size hint.
///
/// # Safety
///
/// `inode` and `file` are those of a file created by [`Files::new`] for a `Files<T>`.
unsafe extern "C" fn open<T: Sync + 'static>(
    inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> c_int {
    // SAFETY: By the invariant of `Files`, the inode's private data is a live `Node<T>` whose
    // `data` is live, for as long as the file exists; debugfs keeps it from being removed
    // while this operation runs.
    let node = unsafe { &*(*inode).i_private.cast::<Node<T>>() };
    // SAFETY: As above.
    let data = unsafe { &*node.data };
    // The file's estimate of its output now, or the last output and an eighth more if that is
    // larger. The estimate comes first: a structure that grew since the last read (a tree
    // filled from 4 KiB of output to 2 MiB) would otherwise make `seq_read()` double the buffer
    // and call `show` again, from the start, ten times over.
    let last = node.last_len.load(Ordering::Relaxed);
    let size = node
        .size_hint(data)
        .max(last.saturating_add(last / 8))
        .clamp(PAGE_SIZE, MAX_HINT);
    // SAFETY: `file` is being opened; `show::<T>` expects the `Node<T>` passed as its private
    // data, which outlives the file as argued above.
    unsafe {
        bindings::single_open_size(
            file,
            Some(show::<T>),
            ptr::from_ref(node).cast_mut().cast(),
            size,
        )
    }
}

/// `show` of the `seq_file`: the file's callback, into a [`SeqOut`].
///
/// # Safety
///
/// `m` is the `seq_file` opened by [`open`] for a `Files<T>`.
unsafe extern "C" fn show<T: Sync + 'static>(m: *mut bindings::seq_file, _v: *mut c_void) -> c_int {
    // SAFETY: `open` made the `seq_file`'s private data a `Node<T>`, live with its data while
    // the file operation runs (see `open`).
    let node = unsafe { &*(*m).private.cast::<Node<T>>() };
    // SAFETY: As above.
    let data = unsafe { &*node.data };
    // SAFETY: `seq_read()` calls `show` with the buffer allocated; `out` is committed before
    // this call returns, and only the callback writes to it meanwhile.
    let mut out = unsafe { SeqOut::new(m) };
    let shown = node.show(data, &mut out);
    if shown.is_err() && !out.overflowed() {
        // Not a full buffer but a failure (an allocation): nothing of this output is kept,
        // and `seq_read()` returns the error instead of a cut table.
        return ENOMEM.to_errno();
    }
    // A full buffer: `seq_read()` sees the overflow, grows the buffer and calls again.
    if let Some(len) = out.commit() {
        node.last_len.store(len, Ordering::Relaxed);
    }
    0
}

/// `write`: one command per `write()`, at offset 0.
///
/// A command split over two writes must not run as two commands, and a tail written after a
/// command must not run as one: a write at a nonzero offset is refused with `EINVAL`, and a
/// command done moves the offset past it, so a second write on the same open file is refused
/// too. (A shell's `echo cmd >file` opens the file for every command, at offset 0.)
///
/// # Safety
///
/// `file` was opened by [`open`] for a `Files<T>`; `buf` is a user pointer of `count` bytes;
/// `ppos` points to the file position of this call, which the caller (`vfs_write()`) owns.
unsafe extern "C" fn write<T: Sync + 'static>(
    file: *mut bindings::file,
    buf: *const c_char,
    count: usize,
    ppos: *mut bindings::loff_t,
) -> isize {
    // SAFETY: `open` used `single_open_size()`, which makes the file's private data its
    // `seq_file`, whose private data is our `Node<T>` (live, as argued in `open`).
    let node = unsafe {
        &*(*(*file).private_data.cast::<bindings::seq_file>())
            .private
            .cast::<Node<T>>()
    };
    // SAFETY: As above.
    let data = unsafe { &*node.data };
    let Some(table) = node.spec().and_then(|s| s.write) else {
        return EINVAL.to_errno() as isize;
    };
    // SAFETY: `ppos` is valid for this call, as the caller guarantees.
    let pos = unsafe { &mut *ppos };
    if *pos != 0 {
        let e = cmd::refuse(
            table.file,
            format_args!("a command is one write at offset 0, not at {}", *pos),
        );
        return e.to_errno() as isize;
    }
    let mut reader = UserSlice::new(UserPtr::from_ptr(buf.cast_mut().cast()), count).reader();
    match table.write(data, &mut reader) {
        Ok(()) => {
            // `count` is at most `LINE_MAX`: the table refuses longer writes.
            *pos = count as bindings::loff_t;
            count as isize
        }
        Err(e) => e.to_errno() as isize,
    }
}

// The plumbing's KUnit cases. Every module that uses this file compiles it, and KUnit registers
// a suite name once, so only `proclab_tasks` builds them (`--cfg proclab_debugfs_tests` in
// `samples/tasks/Kbuild`).
#[cfg(proclab_debugfs_tests)]
#[kunit_tests(proclab_debugfs)]
mod tests {
    use super::*;
    use core::fmt::Write;

    /// A table of one row.
    fn one_row(_: &(), out: &mut SeqOut) -> fmt::Result {
        out.write_str("row\n")
    }

    /// A row, then a failure that is not a full buffer, as an allocation that failed.
    fn row_then_failure(_: &(), out: &mut SeqOut) -> fmt::Result {
        out.write_str("row\n")?;
        Err(fmt::Error)
    }

    /// 400 bytes, more than the buffer of [`read`] holds.
    fn too_long(_: &(), out: &mut SeqOut) -> fmt::Result {
        for _ in 0..100 {
            out.write_str("row\n")?;
        }
        Ok(())
    }

    const fn spec(show: fn(&(), &mut SeqOut) -> fmt::Result) -> FileSpec<()> {
        FileSpec {
            name: c"test",
            show,
            size_hint: one_page,
            write: None,
        }
    }

    static SPECS: [FileSpec<()>; 3] = [spec(one_row), spec(row_then_failure), spec(too_long)];

    /// The buffer [`read`] gives `show`.
    const SIZE: usize = 256;

    /// What one call of `show` for `SPECS[index]` left, as `seq_read()` would make it on a
    /// fresh `seq_file`: its return value, the `seq_file`'s `count`, and the buffer.
    fn read(index: usize) -> Result<(c_int, usize, KVec<u8>)> {
        let node = Node {
            specs: &SPECS,
            index,
            data: &(),
            last_len: AtomicUsize::new(0),
        };
        let mut buf = KVec::from_elem(0u8, SIZE, GFP_KERNEL)?;
        let mut m = bindings::seq_file {
            buf: buf.as_mut_ptr().cast(),
            size: SIZE,
            private: ptr::from_ref(&node).cast_mut().cast(),
            ..Default::default()
        };
        // `m` is a `seq_file` as `seq_read()` hands it to `show`, which uses neither its lock
        // nor its file.
        // SAFETY: `m`'s private data is `node` (its data a promoted `()`), live until the end
        // of this function; its buffer is `buf`'s `SIZE` bytes, untouched during the call.
        let r = unsafe { show::<()>(&mut m, ptr::null_mut()) };
        Ok((r, m.count, buf))
    }

    #[test]
    fn a_shown_table_is_committed() -> Result {
        let (r, count, buf) = read(0)?;
        assert_eq!(r, 0);
        assert_eq!(count, 4);
        assert_eq!(&buf[..4], b"row\n");
        Ok(())
    }

    /// Issue 15: a `show` that failed used to have its output so far committed as if whole.
    #[test]
    fn a_failed_show_shows_nothing() -> Result {
        let (r, count, _) = read(1)?;
        assert_eq!(r, ENOMEM.to_errno());
        assert_eq!(count, 0);
        Ok(())
    }

    /// An output that does not fit marks the buffer full, so that `seq_read()` grows it and
    /// calls `show` again.
    #[test]
    fn a_full_buffer_asks_for_a_larger_one() -> Result {
        let (r, count, _) = read(2)?;
        assert_eq!(r, 0);
        assert_eq!(count, SIZE);
        Ok(())
    }
}
