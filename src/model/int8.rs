//! 8-bit integer linear layers for the CPU engine (dynamic quantisation).
//!
//! A [`QuantLinear`] computes `y = x · Wᵀ + b` with `W` stored as signed
//! 8-bit integers, one scale per output row (symmetric, per channel), and
//! `x` quantised on the fly to 8 bits with one scale per input row — the
//! scheme of PyTorch's dynamic quantisation of `nn.Linear`, with finer
//! (per-row instead of per-tensor) activation scales. Products are summed
//! exactly in 32-bit integers and scaled back to f32 once per output.
//!
//! On CPUs with AVX-512 VNNI the inner product is `vpdpbusd` (64
//! multiply-adds per instruction, four times the f32 FMA rate); elsewhere
//! a portable loop computes the same integers. Activations go in as
//! unsigned bytes (`q + 128`); the offset is taken out with precomputed
//! per-row weight sums, so the integer result is exact either way and both
//! paths give bit-identical outputs.

use rayon::prelude::*;

/// Output columns per SIMD register (16 × i32).
const NR: usize = 16;
/// Rows of the register tile.
const MR: usize = 6;
/// Column blocks (of [`NR`]) of the register tile.
const NB: usize = 4;
/// Input rows per parallel task (a multiple of [`MR`]).
const ROWS_PER_TASK: usize = 48;

/// A linear layer with 8-bit weights.
pub struct QuantLinear {
    /// Input features, and that rounded up to a multiple of 4.
    k: usize,
    kp: usize,
    /// Output features (a multiple of [`NR`]).
    n: usize,
    /// `W` packed per block of 16 output rows and 4 inputs: byte
    /// `((blk * kp/4 + q) * 16 + j) * 4 + t` is `W[blk*16 + j, 4q + t]`.
    packed: Vec<i8>,
    /// `128 * Σ_k Wq[j, k]`, the correction for the unsigned activations.
    offset: Vec<i32>,
    /// Per output row: `max |W[j, :]| / 127`.
    scale: Vec<f32>,
    bias: Vec<f32>,
}

/// What to apply to `x · Wᵀ + b` before it is stored.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    None,
    /// Exact (erf) GELU.
    Gelu,
}

impl QuantLinear {
    /// Quantise `weight` (`n` rows of `k`, row-major, as in `nn.Linear`)
    /// and `bias` (`n`). `n` must be a multiple of 16.
    pub fn new(weight: &[f32], bias: &[f32], n: usize, k: usize) -> Result<Self, String> {
        if n == 0 || !n.is_multiple_of(NR) || k == 0 || weight.len() != n * k || bias.len() != n {
            return Err(format!(
                "int8 linear: {n}x{k} weight with {} values and {} biases (n must be a multiple of {NR})",
                weight.len(),
                bias.len()
            ));
        }
        let kp = k.div_ceil(4) * 4;
        let mut packed = vec![0i8; n * kp];
        let mut offset = vec![0i32; n];
        let mut scale = vec![0f32; n];
        for j in 0..n {
            let row = &weight[j * k..(j + 1) * k];
            let max = row.iter().fold(0f32, |m, &v| m.max(v.abs()));
            let s = if max > 0.0 { max / 127.0 } else { 1.0 };
            scale[j] = s;
            let (blk, lane) = (j / NR, j % NR);
            let mut sum = 0i32;
            for (c, &v) in row.iter().enumerate() {
                let q = (v / s).round().clamp(-127.0, 127.0) as i8;
                sum += q as i32;
                packed[((blk * (kp / 4) + c / 4) * NR + lane) * 4 + c % 4] = q;
            }
            offset[j] = 128 * sum;
        }
        Ok(Self {
            k,
            kp,
            n,
            packed,
            offset,
            scale,
            bias: bias.to_vec(),
        })
    }

    /// Input and output features.
    pub fn dims(&self) -> (usize, usize) {
        (self.k, self.n)
    }

    /// `act(x · Wᵀ + b)` for `x` holding `rows` rows of `k` values.
    pub fn forward(&self, x: &[f32], act: Activation) -> Vec<f32> {
        self.forward_on(x, act, has_vnni())
    }

    /// [`Self::forward`] with the VNNI kernel or the portable integer loop.
    fn forward_on(&self, x: &[f32], act: Activation, vnni: bool) -> Vec<f32> {
        let (k, n) = (self.k, self.n);
        assert_eq!(x.len() % k, 0, "int8 linear: input is not rows of {k}");
        let mut out = vec![0f32; x.len() / k * n];
        out.par_chunks_mut(ROWS_PER_TASK * n)
            .zip(x.par_chunks(ROWS_PER_TASK * k))
            .for_each(|(out, x)| {
                let rows = x.len() / k;
                let mut qx = vec![128u8; rows * self.kp];
                let mut sx = vec![0f32; rows];
                for r in 0..rows {
                    sx[r] = quantize_row(&x[r * k..(r + 1) * k], &mut qx[r * self.kp..][..k]);
                }
                self.block(&qx, &sx, rows, out, vnni);
                if act == Activation::Gelu {
                    super::fast::kernels::gelu_in_place(out);
                }
            });
        out
    }

    fn block(&self, qx: &[u8], sx: &[f32], rows: usize, out: &mut [f32], vnni: bool) {
        let blocks = self.n / NR;
        for b0 in (0..blocks).step_by(NB) {
            let nb = NB.min(blocks - b0);
            for r0 in (0..rows).step_by(MR) {
                let mr = MR.min(rows - r0);
                let mut acc = [[0i32; NR * NB]; MR];
                #[cfg(target_arch = "x86_64")]
                if vnni {
                    // SAFETY: the CPU has AVX-512 VNNI (checked by `has_vnni`);
                    // the slices cover `mr` rows of `kp` bytes and `nb` packed blocks.
                    unsafe {
                        vnni::tile(
                            &qx[r0 * self.kp..],
                            self.kp,
                            mr,
                            &self.packed,
                            b0,
                            nb,
                            &mut acc,
                        )
                    };
                } else {
                    self.tile_portable(&qx[r0 * self.kp..], mr, b0, nb, &mut acc);
                }
                #[cfg(not(target_arch = "x86_64"))]
                {
                    let _ = vnni;
                    self.tile_portable(&qx[r0 * self.kp..], mr, b0, nb, &mut acc);
                }
                for (i, acc) in acc.iter().enumerate().take(mr) {
                    let r = r0 + i;
                    let cols = b0 * NR..(b0 + nb) * NR;
                    let row = &mut out[r * self.n..(r + 1) * self.n][cols.clone()];
                    for ((((o, &a), &off), &s), &b) in row
                        .iter_mut()
                        .zip(acc)
                        .zip(&self.offset[cols.clone()])
                        .zip(&self.scale[cols.clone()])
                        .zip(&self.bias[cols])
                    {
                        *o = (a - off) as f32 * (sx[r] * s) + b;
                    }
                }
            }
        }
    }

    /// The integer tile without SIMD (same result as the VNNI kernel).
    fn tile_portable(
        &self,
        qx: &[u8],
        mr: usize,
        b0: usize,
        nb: usize,
        acc: &mut [[i32; NR * NB]; MR],
    ) {
        let quads = self.kp / 4;
        for (i, acc) in acc.iter_mut().enumerate().take(mr) {
            let a = &qx[i * self.kp..(i + 1) * self.kp];
            for bi in 0..nb {
                let panel = &self.packed[(b0 + bi) * quads * NR * 4..][..quads * NR * 4];
                for q in 0..quads {
                    let w = &panel[q * NR * 4..(q + 1) * NR * 4];
                    for lane in 0..NR {
                        let mut s = 0i32;
                        for t in 0..4 {
                            s += a[q * 4 + t] as i32 * w[lane * 4 + t] as i32;
                        }
                        acc[bi * NR + lane] += s;
                    }
                }
            }
        }
    }
}

use super::fast::kernels::quantize_u8 as quantize_row;

/// Whether the CPU runs the VNNI kernel.
pub fn has_vnni() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512vnni")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

#[cfg(target_arch = "x86_64")]
mod vnni {
    use super::{MR, NB, NR};
    use std::arch::x86_64::*;

    /// `acc[i][c] += Σ_k qx[i, k] * W[b0*16 + c, k]` for `mr` rows and `nb`
    /// blocks of 16 columns.
    ///
    /// # Safety
    /// The CPU must have AVX-512F and AVX-512 VNNI; `qx` holds `mr` rows of
    /// `kp` bytes and `packed` at least `b0 + nb` blocks.
    #[target_feature(enable = "avx512f,avx512vnni")]
    pub unsafe fn tile(
        qx: &[u8],
        kp: usize,
        mr: usize,
        packed: &[i8],
        b0: usize,
        nb: usize,
        acc: &mut [[i32; NR * NB]; MR],
    ) {
        match (mr, nb) {
            (6, 4) => tile_n::<6, 4>(qx, kp, packed, b0, acc),
            (m, n) => {
                // Edges: one row and one block at a time.
                for i in 0..m {
                    for bi in 0..n {
                        let mut one = [[0i32; NR * NB]; MR];
                        tile_n::<1, 1>(&qx[i * kp..], kp, packed, b0 + bi, &mut one);
                        acc[i][bi * NR..(bi + 1) * NR].copy_from_slice(&one[0][..NR]);
                    }
                }
            }
        }
    }

    #[inline(always)]
    unsafe fn tile_n<const M: usize, const B: usize>(
        qx: &[u8],
        kp: usize,
        packed: &[i8],
        b0: usize,
        acc: &mut [[i32; NR * NB]; MR],
    ) {
        let quads = kp / 4;
        debug_assert!(qx.len() >= (M - 1) * kp + kp);
        debug_assert!(packed.len() >= (b0 + B) * quads * NR * 4);
        let mut c = [[_mm512_setzero_si512(); B]; M];
        let a_ptr = qx.as_ptr();
        let w_ptr = packed.as_ptr().add(b0 * quads * NR * 4);
        for q in 0..quads {
            let mut w = [_mm512_setzero_si512(); B];
            for (bi, w) in w.iter_mut().enumerate() {
                *w = _mm512_loadu_si512(w_ptr.add((bi * quads + q) * NR * 4) as *const _);
            }
            for (i, c) in c.iter_mut().enumerate() {
                let a =
                    _mm512_set1_epi32((a_ptr.add(i * kp + q * 4) as *const i32).read_unaligned());
                for bi in 0..B {
                    c[bi] = _mm512_dpbusd_epi32(c[bi], a, w[bi]);
                }
            }
        }
        for i in 0..M {
            for bi in 0..B {
                _mm512_storeu_si512(acc[i][bi * NR..].as_mut_ptr() as *mut _, c[i][bi]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lcg(seed: &mut u64) -> f32 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((*seed >> 33) as f32 / (1u64 << 31) as f32) * 2.0 - 1.0
    }

    /// Within quantisation error of the f32 product, and the SIMD and
    /// portable paths agree exactly, on shapes with edge tiles.
    #[test]
    fn matches_f32_and_paths_agree() {
        let mut seed = 7u64;
        for &(rows, k, n) in &[
            (1usize, 4usize, 16usize),
            (7, 30, 32),
            (53, 512, 80),
            (100, 2048, 64),
        ] {
            let w: Vec<f32> = (0..n * k).map(|_| lcg(&mut seed) * 0.1).collect();
            let b: Vec<f32> = (0..n).map(|_| lcg(&mut seed)).collect();
            let x: Vec<f32> = (0..rows * k).map(|_| lcg(&mut seed)).collect();
            let lin = QuantLinear::new(&w, &b, n, k).unwrap();
            let got = lin.forward(&x, Activation::None);
            let mut worst = 0f32;
            for r in 0..rows {
                for j in 0..n {
                    let want: f32 = (0..k).map(|c| x[r * k + c] * w[j * k + c]).sum::<f32>() + b[j];
                    worst = worst.max((got[r * n + j] - want).abs());
                }
            }
            // Each product is off by at most ~1/127 of its operands' range.
            let bound = 0.1 * (k as f32).sqrt() * 0.03 + 1e-4;
            assert!(worst < bound, "{rows}x{k}x{n}: error {worst} over {bound}");
            // Portable integer path gives the same bits.
            let portable = lin.forward_on(&x, Activation::None, false);
            assert_eq!(portable, got);
        }
    }

    #[test]
    fn zero_rows_and_bad_shapes() {
        let lin = QuantLinear::new(&[0.0; 64], &[1.0; 16], 16, 4).unwrap();
        assert_eq!(lin.forward(&[0.0; 8], Activation::None), vec![1.0; 32]);
        assert!(QuantLinear::new(&[0.0; 40], &[0.0; 10], 10, 4).is_err());
    }
}
