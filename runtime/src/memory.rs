//! The in-memory transport: a broker inside the process, for tests, examples and services
//! that need nothing else.
//!
//! - **Consumer groups**: each message reaches one member of every group subscribed to a
//!   matching address; groups with different names each get a copy.
//! - **Ordered per key**: members are chosen by a hash of the message key (its address when
//!   it has none), so one key's messages reach one member, in publish order, as long as the
//!   group's membership does not change.
//! - **Bounded**: each member has a queue of [`InMemory::with_capacity`] messages; `publish`
//!   waits while the queue is full (backpressure) rather than growing without limit.
//! - **Settling**: a retried message goes to the back of its member's queue with its attempt
//!   counted; a dead-lettered one is kept, with its reason, in [`InMemory::dead_letters`].
//!
//! Like a broker without persistence, it delivers only to groups that exist when a message
//! is published: subscribe first. For the same reason, a delivery dropped without being
//! settled (its consumer task was cancelled mid-message) is not delivered again; a
//! [`Consumer`](crate::Consumer) settles every delivery, even when a handler panics.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::mpsc;

use crate::address;
use crate::envelope::Binding;
use crate::transport::{
    BoxFuture, Delivered, Delivery, RawMessage, Settle, Settlement, Subscription, Transport,
    TransportError,
};

/// How the in-memory bus names attributes in binary mode: any naming works in memory, and
/// Kafka's `ce_` headers are valid identifiers, which header schemas in specs tend to use.
pub const BINDING: Binding = Binding::Kafka;

/// Default queue length per group member.
pub const DEFAULT_CAPACITY: usize = 1024;

type Item = (RawMessage, u32);

/// The in-memory transport; clones share one bus.
#[derive(Clone)]
pub struct InMemory {
    shared: Arc<Shared>,
}

struct Shared {
    capacity: usize,
    binding: Binding,
    groups: Mutex<Vec<Group>>,
    dead_letters: Mutex<Vec<DeadLetter>>,
}

struct Group {
    name: String,
    pattern: String,
    members: Vec<mpsc::Sender<Item>>,
}

/// A message given up on, with why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadLetter {
    /// The message as it was delivered.
    pub message: RawMessage,
    /// The attempt that gave up on it.
    pub attempt: u32,
    /// The consumer group that gave up on it.
    pub group: String,
    /// Why.
    pub reason: String,
}

impl Default for InMemory {
    fn default() -> Self {
        Self::new()
    }
}

impl InMemory {
    /// A bus with queues of [`DEFAULT_CAPACITY`] messages per group member.
    pub fn new() -> Self {
        Self::with_capacity(DEFAULT_CAPACITY)
    }

    /// A bus with queues of `capacity` messages (at least 1) per group member.
    pub fn with_capacity(capacity: usize) -> Self {
        InMemory {
            shared: Arc::new(Shared {
                capacity: capacity.max(1),
                binding: BINDING,
                groups: Mutex::new(Vec::new()),
                dead_letters: Mutex::new(Vec::new()),
            }),
        }
    }

    /// The messages dead-lettered so far, oldest first.
    pub fn dead_letters(&self) -> Vec<DeadLetter> {
        lock(&self.shared.dead_letters).clone()
    }

    /// Ends every subscription once it has drained its queue; later publishes reach no one.
    pub fn close(&self) {
        lock(&self.shared.groups).clear();
    }
}

impl Transport for InMemory {
    type Subscription = MemorySubscription;

    fn binding(&self) -> Binding {
        self.shared.binding
    }

    async fn publish(&self, message: RawMessage) -> Result<(), TransportError> {
        let slot = slot_of(&message);
        let names: Vec<String> = lock(&self.shared.groups)
            .iter()
            .filter(|g| address::matches(&g.pattern, &message.address))
            .map(|g| g.name.clone())
            .collect();
        for name in names {
            self.shared.send(&name, slot, (message.clone(), 1)).await;
        }
        Ok(())
    }

    async fn subscribe(
        &self,
        pattern: &str,
        group: &str,
    ) -> Result<MemorySubscription, TransportError> {
        let (sender, receiver) = mpsc::channel(self.shared.capacity);
        let weak = sender.downgrade();
        let mut groups = lock(&self.shared.groups);
        match groups.iter_mut().find(|g| g.name == group) {
            Some(existing) => existing.members.push(sender),
            None => groups.push(Group {
                name: group.to_owned(),
                pattern: pattern.to_owned(),
                members: vec![sender],
            }),
        }
        Ok(MemorySubscription {
            receiver,
            own: weak,
            group: group.to_owned(),
            shared: Arc::clone(&self.shared),
        })
    }
}

impl Shared {
    /// Sends `item` to the member of `group` that owns `slot`, waiting for room; members that
    /// left are dropped from the group on the way.
    async fn send(&self, group: &str, slot: u64, mut item: Item) {
        loop {
            let sender = {
                let mut groups = lock(&self.groups);
                let Some(g) = groups.iter_mut().find(|g| g.name == group) else {
                    return;
                };
                g.members.retain(|m| !m.is_closed());
                if g.members.is_empty() {
                    groups.retain(|g| g.name != group);
                    return;
                }
                let index = (slot % g.members.len() as u64) as usize;
                g.members[index].clone()
            };
            match sender.send(item).await {
                Ok(()) => return,
                // The member left between the choice and the send: choose again.
                Err(mpsc::error::SendError(back)) => item = back,
            }
        }
    }
}

fn slot_of(message: &RawMessage) -> u64 {
    let mut hasher = DefaultHasher::new();
    message
        .key
        .as_deref()
        .unwrap_or(&message.address)
        .hash(&mut hasher);
    hasher.finish()
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves plain data behind; it stays usable.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// One member of a consumer group on an [`InMemory`] bus.
pub struct MemorySubscription {
    receiver: mpsc::Receiver<Item>,
    own: mpsc::WeakSender<Item>,
    group: String,
    shared: Arc<Shared>,
}

impl Subscription for MemorySubscription {
    async fn next(&mut self) -> Option<Delivery> {
        let (message, attempt) = self.receiver.recv().await?;
        let settle = MemorySettle {
            own: self.own.clone(),
            group: self.group.clone(),
            shared: Arc::clone(&self.shared),
        };
        Some(Delivery::new(message, attempt, Box::new(settle)))
    }
}

struct MemorySettle {
    own: mpsc::WeakSender<Item>,
    group: String,
    shared: Arc<Shared>,
}

impl Settle for MemorySettle {
    fn settle(
        self: Box<Self>,
        delivered: Delivered,
        how: Settlement,
    ) -> BoxFuture<'static, Result<(), TransportError>> {
        Box::pin(async move {
            match how {
                Settlement::Ack => {}
                Settlement::Retry { .. } => {
                    let item = (delivered.message, delivered.attempt.saturating_add(1));
                    match self.own.upgrade() {
                        // The consumer that settles is the one that drains this queue: it must
                        // not wait for room in it, so a full queue is fed from another task.
                        Some(own) => {
                            if let Err(mpsc::error::TrySendError::Full(item)) = own.try_send(item) {
                                tokio::spawn(async move {
                                    let _ = own.send(item).await;
                                });
                            }
                        }
                        None => {
                            let slot = slot_of(&item.0);
                            self.shared.send(&self.group, slot, item).await;
                        }
                    }
                }
                Settlement::DeadLetter { reason } => {
                    lock(&self.shared.dead_letters).push(DeadLetter {
                        message: delivered.message,
                        attempt: delivered.attempt,
                        group: self.group,
                        reason,
                    });
                }
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn message(address: &str, key: &str, n: u32) -> RawMessage {
        RawMessage {
            address: address.into(),
            key: Some(key.into()),
            headers: vec![],
            body: n.to_string().into_bytes(),
        }
    }

    fn number(d: &Delivery) -> u32 {
        std::str::from_utf8(&d.message().body)
            .unwrap()
            .parse()
            .unwrap()
    }

    #[tokio::test]
    async fn every_group_gets_a_copy_and_patterns_filter() {
        let bus = InMemory::new();
        let mut a = bus.subscribe("orders/{id}", "a").await.unwrap();
        let mut b = bus.subscribe("orders/{id}", "b").await.unwrap();
        let mut other = bus.subscribe("payments/{id}", "c").await.unwrap();
        bus.publish(message("orders/1", "1", 7)).await.unwrap();
        assert_eq!(number(&a.next().await.unwrap()), 7);
        assert_eq!(number(&b.next().await.unwrap()), 7);
        bus.close();
        assert!(other.next().await.is_none());
    }

    #[tokio::test]
    async fn one_key_stays_with_one_member_in_order() {
        let bus = InMemory::new();
        let mut m1 = bus.subscribe("k/{id}", "g").await.unwrap();
        let mut m2 = bus.subscribe("k/{id}", "g").await.unwrap();
        for n in 0..200 {
            let key = format!("key-{}", n % 10);
            bus.publish(message("k/x", &key, n)).await.unwrap();
        }
        bus.close();
        let mut seen = std::collections::BTreeMap::<String, (usize, Vec<u32>)>::new();
        for (member, sub) in [&mut m1, &mut m2].into_iter().enumerate() {
            while let Some(d) = sub.next().await {
                let key = d.message().key.clone().unwrap();
                let entry = seen.entry(key).or_insert((member, vec![]));
                assert_eq!(entry.0, member, "a key was split between members");
                entry.1.push(number(&d));
            }
        }
        assert_eq!(seen.len(), 10);
        for (_, numbers) in seen.values() {
            assert_eq!(numbers.len(), 20);
            assert!(numbers.windows(2).all(|w| w[0] < w[1]), "{numbers:?}");
        }
    }

    #[tokio::test]
    async fn a_full_queue_holds_the_publisher_back() {
        let bus = InMemory::with_capacity(2);
        let mut sub = bus.subscribe("#", "g").await.unwrap();
        bus.publish(message("a", "k", 1)).await.unwrap();
        bus.publish(message("a", "k", 2)).await.unwrap();
        let third =
            tokio::time::timeout(Duration::from_millis(50), bus.publish(message("a", "k", 3)))
                .await;
        assert!(third.is_err(), "the third publish should wait for room");
        assert_eq!(number(&sub.next().await.unwrap()), 1);
        bus.publish(message("a", "k", 3)).await.unwrap();
    }

    #[tokio::test]
    async fn retries_count_attempts_and_dead_letters_keep_the_reason() {
        let bus = InMemory::new();
        let mut sub = bus.subscribe("#", "g").await.unwrap();
        bus.publish(message("a", "k", 1)).await.unwrap();
        let first = sub.next().await.unwrap();
        assert_eq!(first.attempt(), 1);
        first
            .settle(Settlement::Retry {
                reason: "busy".into(),
            })
            .await
            .unwrap();
        let second = sub.next().await.unwrap();
        assert_eq!((second.attempt(), number(&second)), (2, 1));
        second
            .settle(Settlement::DeadLetter {
                reason: "gave up".into(),
            })
            .await
            .unwrap();
        let dead = bus.dead_letters();
        assert_eq!(dead.len(), 1);
        assert_eq!(
            (
                dead[0].attempt,
                dead[0].reason.as_str(),
                dead[0].group.as_str()
            ),
            (2, "gave up", "g")
        );
    }

    #[tokio::test]
    async fn members_that_leave_are_skipped() {
        let bus = InMemory::new();
        let gone = bus.subscribe("#", "g").await.unwrap();
        let mut stays = bus.subscribe("#", "g").await.unwrap();
        drop(gone);
        for n in 0..10 {
            bus.publish(message("a", &n.to_string(), n)).await.unwrap();
        }
        for _ in 0..10 {
            stays.next().await.unwrap();
        }
    }
}
