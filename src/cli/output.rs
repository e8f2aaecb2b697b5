//! Writing to standard output and standard error without panicking.
//!
//! `println!` panics when the reader has gone (`fieldmap run … | head -1`). Here a closed pipe
//! ends the output quietly and the command still finishes and returns its own exit status;
//! any other write error is reported once on standard error and makes the exit status 2.

use std::fmt;
use std::io::{ErrorKind, Write};
use std::sync::atomic::{AtomicBool, Ordering};

static OUT_CLOSED: AtomicBool = AtomicBool::new(false);
static ERR_CLOSED: AtomicBool = AtomicBool::new(false);
static FAILED: AtomicBool = AtomicBool::new(false);

/// `println!` for standard output.
macro_rules! outln {
    () => { $crate::cli::output::stdout(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::cli::output::stdout(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `print!` for standard output.
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::output::stdout(format_args!($($arg)*)) };
}

/// `eprintln!` that never panics.
macro_rules! errln {
    ($($arg:tt)*) => { $crate::cli::output::stderr(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `eprint!` that never panics.
macro_rules! err {
    ($($arg:tt)*) => { $crate::cli::output::stderr(format_args!($($arg)*)) };
}

pub fn stdout(args: fmt::Arguments<'_>) {
    write(&mut std::io::stdout().lock(), args, &OUT_CLOSED);
}

pub fn stderr(args: fmt::Arguments<'_>) {
    write(&mut std::io::stderr().lock(), args, &ERR_CLOSED);
}

fn write(stream: &mut impl Write, args: fmt::Arguments<'_>, closed: &AtomicBool) {
    if closed.load(Ordering::Relaxed) {
        return;
    }
    let result = stream.write_fmt(args).and_then(|()| stream.flush());
    if let Err(e) = result {
        closed.store(true, Ordering::Relaxed);
        if e.kind() != ErrorKind::BrokenPipe {
            FAILED.store(true, Ordering::Relaxed);
            let _ = writeln!(std::io::stderr(), "error: cannot write the output: {e}");
        }
    }
}

/// Whether writing failed for another reason than a closed pipe.
pub fn failed() -> bool {
    FAILED.load(Ordering::Relaxed)
}
