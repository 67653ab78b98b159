//! The generated company: deterministic from `--seed`, so two runs (or two branches in an A/B)
//! sync, search and ingest the same rows.

use switchboard_protocol::InboundMessage;

/// Words the generated messages are made of, so that search has something to find.
pub const WORDS: &[&str] = &[
    "order",
    "delivery",
    "refund",
    "password",
    "invoice",
    "courier",
    "payment",
    "address",
    "warranty",
    "discount",
    "subscription",
    "tracking",
    "package",
    "receipt",
    "exchange",
    "заказ",
    "доставка",
    "возврат",
    "pedido",
    "envío",
    "Lieferung",
    "Rechnung",
    "entrega",
];

/// splitmix64: a tiny, well-mixed hash of `(seed, i)`; enough to vary the words per message
/// without a random-number crate.
fn mix(seed: u64, i: u64) -> u64 {
    let mut z = seed
        .wrapping_add(i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The dataset of one run: `conversations` clients, each writing `messages_per_conversation`
/// messages; message `i` belongs to conversation `i % conversations`.
#[derive(Debug, Clone, Copy)]
pub struct Data {
    pub seed: u64,
    pub conversations: usize,
    pub messages_per_conversation: usize,
}

impl Data {
    pub fn messages(&self) -> usize {
        self.conversations * self.messages_per_conversation
    }

    pub fn text(&self, i: usize) -> String {
        let h = mix(self.seed, i as u64);
        let w = |k: u32| WORDS[((h >> (k * 16)) % WORDS.len() as u64) as usize];
        format!(
            "Hello, about my {} and the {} {}: number {i}",
            w(0),
            w(1),
            w(2)
        )
    }

    pub fn external_id(conversation: usize) -> String {
        format!("bench-{conversation}")
    }

    pub fn name(conversation: usize) -> String {
        format!("Bench Client {conversation}")
    }

    /// Message `i` as a Custom app channel posts it.
    pub fn inbound(&self, i: usize) -> InboundMessage {
        let conversation = i % self.conversations;
        InboundMessage {
            external_id: Self::external_id(conversation),
            name: Self::name(conversation),
            text: self.text(i),
            attachment: None,
            contact: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_text_and_another_seed_another() {
        let a = Data {
            seed: 1,
            conversations: 10,
            messages_per_conversation: 2,
        };
        let b = Data { seed: 2, ..a };
        assert_eq!(a.text(5), a.text(5));
        assert!((0..20).any(|i| a.text(i) != b.text(i)));
        assert_eq!(a.inbound(13).external_id, "bench-3");
    }
}
