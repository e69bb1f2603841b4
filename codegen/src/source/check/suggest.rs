//! "Did you mean ...?": the known name nearest to a misspelt one.

/// The optimal string alignment distance (Damerau-Levenshtein where no substring is edited
/// twice): insertions, deletions, substitutions and swaps of two neighbours each cost one.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        d[i * width] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

/// Whether `name` is close enough to `known` to be a misspelling of it: one edit (letter
/// case counts as none), or a few on a long name (one per six characters).
pub fn is_near(name: &str, known: &str) -> bool {
    if name == known || name.chars().count() < 3 {
        return false;
    }
    let d = distance(&name.to_lowercase(), &known.to_lowercase());
    let allowed = (known.chars().count() / 6).max(1);
    d <= allowed
}

/// The candidate nearest to `name`, if one [`is_near`] it.
pub fn nearest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .filter(|c| is_near(name, c))
        .min_by_key(|c| {
            (
                distance(&name.to_lowercase(), &c.to_lowercase()),
                *c != name,
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_edits_and_swaps() {
        assert_eq!(distance("", ""), 0);
        assert_eq!(distance("channel", "channels"), 1);
        assert_eq!(distance("requird", "required"), 1);
        assert_eq!(distance("propertise", "properties"), 1);
        assert_eq!(distance("abc", "xyz"), 3);
        assert_eq!(distance("ca", "abc"), 3);
    }

    #[test]
    fn suggests_only_near_names() {
        let known = ["channels", "components", "info", "servers"];
        assert_eq!(nearest("channel", known), Some("channels"));
        assert_eq!(nearest("Channels", known), Some("channels"));
        assert_eq!(nearest("inof", known), Some("info"));
        assert_eq!(nearest("nothing", known), None);
        assert_eq!(nearest("x", ["y"]), None);
        assert_eq!(
            nearest("additonalPropertes", ["additionalProperties"]),
            Some("additionalProperties")
        );
        assert_eq!(nearest("Ordr", ["Order", "Orders"]), Some("Order"));
    }
}
