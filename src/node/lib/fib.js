// SPDX-License-Identifier: GPL-3.0-or-later
'use strict';

// The seed's workload: the naive recursive Fibonacci. Not memoised on
// purpose: it is the CPU-bound work every path is measured with.
function fib(n) {
  return n <= 1 ? n : fib(n - 1) + fib(n - 2);
}

const MAX_FIB_N = 45;
const DEFAULT_FIB_N = 30;
const MAX_PAYLOAD_MB = 64;

// The sharing experiment's data: a deterministic pattern (xorshift32, as
// the native engine), and a checksum that reads every byte. Node's is a
// 32-bit FNV-1a over 32-bit words (the native engine's is 64-bit): compare
// checksums within one engine only.
function fillPayload(bytes) {
  let x = 2463534242 >>> 0;
  for (let i = 0; i < bytes.length; ++i) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    bytes[i] = x & 0xff;
  }
}

function payloadChecksum(bytes) {
  // A view of 32-bit words needs an offset that is a multiple of 4; a
  // Buffer read from a child's IPC channel may start anywhere: copied.
  if (bytes.byteOffset % 4 !== 0) bytes = new Uint8Array(bytes);
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
  let h = 2166136261 >>> 0;
  for (let i = 0; i < words.length; ++i)
    h = Math.imul(h ^ words[i], 16777619) >>> 0;
  for (let i = words.length * 4; i < bytes.length; ++i)
    h = Math.imul(h ^ bytes[i], 16777619) >>> 0;
  return h;
}

module.exports = { fib, fillPayload, payloadChecksum, MAX_FIB_N, DEFAULT_FIB_N, MAX_PAYLOAD_MB };
