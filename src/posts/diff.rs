//! Word-level differences between two versions of a body, as a wiki shows an edit: what
//! stayed, what was taken out and what was put in, with the spaces between words kept.

/// One run of a difference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    Same(String),
    Removed(String),
    Added(String),
}

/// Most word pairs compared; past it (two long, very different bodies) the whole old text is
/// shown removed and the new added, rather than spending quadratic time.
const MAX_CELLS: usize = 4_000_000;

/// The changes that turn `old` into `new`, word by word.
pub fn words(old: &str, new: &str) -> Vec<Change> {
    let (old, new) = (tokens(old), tokens(new));
    if old.len().saturating_mul(new.len()) > MAX_CELLS {
        return merged(
            old.iter()
                .map(|t| Change::Removed(t.to_string()))
                .chain(new.iter().map(|t| Change::Added(t.to_string()))),
        );
    }
    // common[i][j]: the longest common subsequence of old[i..] and new[j..].
    let width = new.len() + 1;
    let mut common = vec![0u32; (old.len() + 1) * width];
    for i in (0..old.len()).rev() {
        for j in (0..new.len()).rev() {
            common[i * width + j] = if old[i] == new[j] {
                common[(i + 1) * width + j + 1] + 1
            } else {
                common[(i + 1) * width + j].max(common[i * width + j + 1])
            };
        }
    }
    let (mut i, mut j, mut changes) = (0, 0, Vec::new());
    while i < old.len() || j < new.len() {
        if i < old.len() && j < new.len() && old[i] == new[j] {
            changes.push(Change::Same(old[i].to_string()));
            (i, j) = (i + 1, j + 1);
        } else if i < old.len()
            && (j == new.len() || common[(i + 1) * width + j] >= common[i * width + j + 1])
        {
            // What was taken out reads before what was put in.
            changes.push(Change::Removed(old[i].to_string()));
            i += 1;
        } else {
            changes.push(Change::Added(new[j].to_string()));
            j += 1;
        }
    }
    merged(changes.into_iter())
}

/// Words and the runs of whitespace between them, in order.
fn tokens(text: &str) -> Vec<&str> {
    let mut tokens = Vec::new();
    let mut start = 0;
    let mut in_space = None;
    for (at, c) in text.char_indices() {
        let space = c.is_whitespace();
        if in_space.is_some_and(|s| s != space) {
            tokens.push(&text[start..at]);
            start = at;
        }
        in_space = Some(space);
    }
    if start < text.len() {
        tokens.push(&text[start..]);
    }
    tokens
}

/// Neighbouring runs of the same kind joined into one.
fn merged(changes: impl Iterator<Item = Change>) -> Vec<Change> {
    let mut out: Vec<Change> = Vec::new();
    for change in changes {
        match (out.last_mut(), change) {
            (Some(Change::Same(a)), Change::Same(b))
            | (Some(Change::Removed(a)), Change::Removed(b))
            | (Some(Change::Added(a)), Change::Added(b)) => a.push_str(&b),
            (_, change) => out.push(change),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(changes: &[Change]) -> String {
        changes
            .iter()
            .map(|c| match c {
                Change::Same(t) => t.clone(),
                Change::Removed(t) => format!("[-{t}-]"),
                Change::Added(t) => format!("{{+{t}+}}"),
            })
            .collect()
    }

    #[test]
    fn a_changed_word_is_shown_taken_out_and_put_in() {
        assert_eq!(
            shown(&words("Ship it on Monday", "Ship it on Tuesday")),
            "Ship it on [-Monday-]{+Tuesday+}"
        );
        assert_eq!(
            shown(&words("one two three", "one three four")),
            "one [-two -]three{+ four+}"
        );
    }

    #[test]
    fn both_sides_can_be_read_back_from_the_changes() {
        let (old, new) = ("a b\n\nc  d", "a x\n\nc d e");
        let changes = words(old, new);
        let side = |keep_removed: bool| -> String {
            changes
                .iter()
                .filter_map(|c| match c {
                    Change::Same(t) => Some(t.as_str()),
                    Change::Removed(t) if keep_removed => Some(t.as_str()),
                    Change::Added(t) if !keep_removed => Some(t.as_str()),
                    _ => None,
                })
                .collect()
        };
        assert_eq!(side(true), old);
        assert_eq!(side(false), new);
    }

    #[test]
    fn nothing_changed_is_one_run_and_empty_sides_work() {
        assert_eq!(
            words("same text", "same text"),
            [Change::Same("same text".into())]
        );
        assert_eq!(words("", "new"), [Change::Added("new".into())]);
        assert_eq!(words("old", ""), [Change::Removed("old".into())]);
    }
}
