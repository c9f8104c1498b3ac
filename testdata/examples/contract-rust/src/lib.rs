//! reprovm's Rust example: a small WebAssembly "contract" for
//! `wasm32-unknown-unknown`, built inside the machine by the rust-wasm
//! image's rustc and called from the host with wazero.
//!
//! The crate is `#![no_std]`: it needs nothing from std, so the module
//! links only what its exports use (a few hundred bytes instead of std's
//! allocator and formatting machinery), compiles faster in the machine,
//! and embeds no panic messages or library paths. Every function is total:
//! arithmetic wraps and indexing is bounds-checked by construction, so no
//! code path reaches the panic handler.

#![no_std]

/// The table that [`checksum`] hashes: the bytes of a fixed sentence, so
/// that the expected value can be recomputed anywhere.
static TABLE: &[u8] = b"reprovm builds the same bytes on every host";

/// Returns `a + b`, wrapping on overflow.
#[no_mangle]
pub extern "C" fn add(a: i32, b: i32) -> i32 {
    a.wrapping_add(b)
}

/// Returns the `n`th Fibonacci number (fib(0) = 0, fib(1) = 1), wrapping
/// modulo 2^64 past fib(93).
#[no_mangle]
pub extern "C" fn fib(n: u32) -> u64 {
    let (mut a, mut b) = (0u64, 1u64);
    for _ in 0..n {
        let next = a.wrapping_add(b);
        a = b;
        b = next;
    }
    a
}

/// Returns the 32-bit FNV-1a hash of [`TABLE`]
/// (http://www.isthe.com/chongo/tech/comp/fnv/).
#[no_mangle]
pub extern "C" fn checksum() -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for &b in TABLE {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// Returns the length of [`TABLE`] in bytes.
#[no_mangle]
pub extern "C" fn table_len() -> u32 {
    TABLE.len() as u32
}

#[cfg(not(test))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    // Unreachable by construction (see the crate documentation); trap if
    // that ever stops being true.
    #[cfg(target_arch = "wasm32")]
    core::arch::wasm32::unreachable();
    #[cfg(not(target_arch = "wasm32"))]
    loop {}
}
