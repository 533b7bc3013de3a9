//! The prose of search mode: post bodies get 10–25 words drawn by a Zipf law (s = 1) from a
//! synthetic vocabulary of 20,000 pronounceable words, so searches meet both very common
//! and rare terms. While drawing, it counts which words the company feed holds, so the query
//! mix can name words known to return results to every employee.

use rand::Rng;

use crate::seed::Zipf;

/// Words in the vocabulary.
pub const VOCABULARY: usize = 20_000;
/// Consonants and vowels of the syllables; no `h`, `m`, `s`, `w`, so no word is an English
/// stop word (`have`, `here`, `more`, `some`, `were`) that PostgreSQL would drop.
const CONSONANTS: &[u8] = b"bcdfgklnprtvz";
const VOWELS: &[u8] = b"aeiou";
/// The common words whose adjacent pairs are counted, for the phrase query.
const PAIRED: usize = 8;

/// The word of rank `rank` (0 is the most frequent): two syllables for the first 4,225 ranks,
/// three after.
pub fn word(rank: usize) -> String {
    let syllables = CONSONANTS.len() * VOWELS.len();
    let (mut n, count) = if rank < syllables * syllables {
        (rank, 2)
    } else {
        (rank - syllables * syllables, 3)
    };
    let mut word = String::with_capacity(2 * count);
    for _ in 0..count {
        let s = n % syllables;
        n /= syllables;
        word.push(char::from(CONSONANTS[s / VOWELS.len()]));
        word.push(char::from(VOWELS[s % VOWELS.len()]));
    }
    word
}

/// Draws the words of posts and counts those of the company feed.
pub struct Prose {
    zipf: Zipf,
    /// Company posts holding each word.
    company_df: Vec<u32>,
    /// Adjacent pairs of the most common words in company posts.
    pairs: [[u32; PAIRED]; PAIRED],
    /// Posts per group index, and per author index.
    group_posts: Vec<u32>,
    author_posts: Vec<u32>,
    company_posts: u32,
}

/// The words and filters of the query mix, all known to match company or public posts.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Mix {
    pub common: String,
    pub rare: String,
    /// How many company posts hold the rare word.
    pub rare_posts: u32,
    pub phrase: (String, String),
    pub group_word: String,
    /// The public group with the most posts: its index.
    pub group: usize,
    pub author_word: String,
    /// The person with the most posts: their index.
    pub author: usize,
}

impl Prose {
    pub fn new(groups: usize, users: usize) -> Prose {
        Prose {
            zipf: Zipf::new(VOCABULARY, 1.0),
            company_df: vec![0; VOCABULARY],
            pairs: [[0; PAIRED]; PAIRED],
            group_posts: vec![0; groups],
            author_posts: vec![0; users],
            company_posts: 0,
        }
    }

    /// The words of one post by `author`, in the group of index `group` (None: company feed).
    pub fn sentence(&mut self, rng: &mut impl Rng, group: Option<usize>, author: usize) -> String {
        let ranks: Vec<usize> = (0..rng.gen_range(10..=25))
            .map(|_| self.zipf.sample(rng))
            .collect();
        self.author_posts[author] += 1;
        match group {
            Some(g) => self.group_posts[g] += 1,
            None => {
                self.company_posts += 1;
                for pair in ranks.windows(2) {
                    if pair[0] < PAIRED && pair[1] < PAIRED {
                        self.pairs[pair[0]][pair[1]] += 1;
                    }
                }
                let mut distinct = ranks.clone();
                distinct.sort_unstable();
                distinct.dedup();
                for rank in distinct {
                    self.company_df[rank] += 1;
                }
            }
        }
        ranks.into_iter().map(word).collect::<Vec<_>>().join(" ")
    }

    /// The query mix: the most common word; a word in about one company post in 20,000 (at
    /// least 3); the most frequent pair of different common words; a word in the busiest
    /// public group; a word by the most prolific person.
    pub fn mix(&self, public: impl Fn(usize) -> bool) -> Mix {
        let target = (self.company_posts / 20_000).max(3);
        let rare = (0..VOCABULARY)
            .filter(|r| self.company_df[*r] > 0)
            .min_by_key(|r| (self.company_df[*r].abs_diff(target), *r))
            .unwrap_or(VOCABULARY - 1);
        let mut phrase = (0, 1);
        for a in 0..PAIRED {
            for b in (0..PAIRED).filter(|b| *b != a) {
                if self.pairs[a][b] > self.pairs[phrase.0][phrase.1] {
                    phrase = (a, b);
                }
            }
        }
        let busiest = |counts: &[u32], eligible: &dyn Fn(usize) -> bool| {
            (0..counts.len())
                .filter(|i| eligible(*i))
                .max_by_key(|i| (counts[*i], usize::MAX - i))
                .unwrap_or(0)
        };
        Mix {
            common: word(0),
            rare: word(rare),
            rare_posts: self.company_df[rare],
            phrase: (word(phrase.0), word(phrase.1)),
            group_word: word(1),
            group: busiest(&self.group_posts, &public),
            author_word: word(2),
            author: busiest(&self.author_posts, &|_| true),
        }
    }
}
