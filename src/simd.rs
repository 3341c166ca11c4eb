//! Runtime selection of wider vector instructions for the crate's own loops.
//!
//! The binary is built for the baseline x86-64 (SSE2), so that it runs everywhere; faer selects
//! AVX2/AVX-512 kernels at run time for its products. The loops written here (kernel entries, the
//! AGOP's sums) get the same treatment: a hot function has an `#[inline(always)]` body and a copy
//! compiled with AVX2 and FMA (`#[target_feature]`), called when [`has_avx2`] says the CPU has
//! them. The arithmetic is the same either way (Rust never contracts `a * b + c` into a fused
//! multiply-add on its own), so results do not depend on the path taken.

/// A hot loop with its arguments in one struct: [`run`](Self::run) is its body, which [`dispatch`]
/// compiles twice (plain, and with AVX2 and FMA enabled) and calls the copy the CPU supports.
/// Implementations mark `run` `#[inline(always)]` so that the body is compiled into each copy.
pub trait HotLoop {
    /// What the loop returns.
    type Output;
    /// The loop's body.
    fn run(self) -> Self::Output;
}

/// Runs `hot` with AVX2 and FMA when the CPU has them ([`has_avx2`]), plainly otherwise: the one
/// place where the crate selects vector instructions for its own loops.
#[inline]
pub fn dispatch<L: HotLoop>(hot: L) -> L::Output {
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        #[target_feature(enable = "avx2,fma")]
        fn wide<L: HotLoop>(hot: L) -> L::Output {
            hot.run()
        }
        // SAFETY: the CPU has AVX2 and FMA (checked just above), all `wide` requires.
        return unsafe { wide(hot) };
    }
    hot.run()
}

/// Whether the running CPU has AVX2 and FMA (always false off x86-64).
#[inline]
pub fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}
