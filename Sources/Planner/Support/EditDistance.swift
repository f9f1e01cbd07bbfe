/// Levenshtein distance between two strings, compared by Unicode scalars.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
            current[j] = Swift.min(substitution, previous[j] + 1, current[j - 1] + 1)
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}

/// The candidate closest to `word` by edit distance, if it is close enough to be a likely typo.
func closestMatch<S: Sequence>(to word: String, in candidates: S) -> String? where S.Element == String {
    let lowered = word.lowercased()
    var best: (name: String, distance: Int)?
    for candidate in candidates {
        let other = candidate.lowercased()
        let distance = editDistance(lowered, other)
        // A typo changes about a third of a word at most; a truncated name is a prefix.
        let limit = Swift.max(2, Swift.max(word.count, candidate.count) / 3)
        let isPrefix = Swift.min(lowered.count, other.count) >= 3 && (lowered.hasPrefix(other) || other.hasPrefix(lowered))
        if distance <= limit || isPrefix, distance < (best?.distance ?? Int.max) {
            best = (candidate, distance)
        }
    }
    return best?.name
}

/// ` (did you mean 'x'?)` when a close candidate exists, else an empty string.
func didYouMean<S: Sequence>(_ word: String, _ candidates: S) -> String where S.Element == String {
    closestMatch(to: word, in: candidates).map { " (did you mean '\($0)'?)" } ?? ""
}
