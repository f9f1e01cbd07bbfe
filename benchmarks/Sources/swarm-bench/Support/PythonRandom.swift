/// CPython's `random.Random` for integer seeds (MT19937 seeded with `init_by_array`), as far as
/// the benchmark DAG needs it: `getrandbits(k)` for k ≤ 32 and `sample(range(n), 2)`.
///
/// The Celery peer (`benchmarks/peers/celery/bench.py`, `build_dag`) draws its DAG edges with
/// `random.Random(seed).sample(range(width), 2)`; this type reproduces the same numbers so both
/// sides run the very same graph.
struct PythonRandom {
    private var mt = [UInt32](repeating: 0, count: 624)
    private var index = 625

    /// `random.Random(seed)` for a seed in 0..<2^32 (CPython splits larger seeds into more words).
    init(seed: UInt32) {
        initGenrand(19_650_218)
        let key = [seed]
        var i = 1, j = 0
        for _ in 0..<max(624, key.count) {
            let prev = mt[i - 1] ^ (mt[i - 1] >> 30)
            mt[i] = (mt[i] ^ (prev &* 1_664_525)) &+ key[j] &+ UInt32(j)
            i += 1; j += 1
            if i >= 624 { mt[0] = mt[623]; i = 1 }
            if j >= key.count { j = 0 }
        }
        for _ in 0..<623 {
            let prev = mt[i - 1] ^ (mt[i - 1] >> 30)
            mt[i] = (mt[i] ^ (prev &* 1_566_083_941)) &- UInt32(i)
            i += 1
            if i >= 624 { mt[0] = mt[623]; i = 1 }
        }
        mt[0] = 0x8000_0000
        index = 624
    }

    private mutating func initGenrand(_ s: UInt32) {
        mt[0] = s
        for i in 1..<624 {
            mt[i] = 1_812_433_253 &* (mt[i - 1] ^ (mt[i - 1] >> 30)) &+ UInt32(i)
        }
        index = 624
    }

    /// The next 32 random bits (`genrand_uint32`).
    mutating func next32() -> UInt32 {
        if index >= 624 { twist() }
        var y = mt[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    private mutating func twist() {
        for k in 0..<624 {
            let y = (mt[k] & 0x8000_0000) | (mt[(k + 1) % 624] & 0x7FFF_FFFF)
            var v = mt[(k + 397) % 624] ^ (y >> 1)
            if y & 1 != 0 { v ^= 0x9908_B0DF }
            mt[k] = v
        }
        index = 0
    }

    /// `_randbelow(n)`: rejection sampling on `getrandbits(n.bit_length())`.
    mutating func below(_ n: Int) -> Int {
        precondition(n > 0 && n < (1 << 32))
        let k = Int.bitWidth - n.leadingZeroBitCount
        while true {
            let r = Int(next32() >> UInt32(32 - k))
            if r < n { return r }
        }
    }

    /// `sample(range(n), 2)` for n > 21 (CPython's set-based branch): two distinct picks, in
    /// the order drawn.
    mutating func samplePair(from n: Int) -> (Int, Int) {
        precondition(n > 21, "CPython uses its pool-based branch for n <= 21; not mirrored")
        let a = below(n)
        var b = below(n)
        while b == a { b = below(n) }
        return (a, b)
    }
}
