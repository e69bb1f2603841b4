//! The in-memory transport: a broker inside the process.
//!
//! It is meant for tests, examples and services that need nothing else.
//!
//! - **Consumer groups**: each message reaches one member of every group subscribed to a
//!   matching address; groups with different names each get a copy.
//! - **Ordered per key**: members are chosen by a hash of the message key (its address when
//!   it has none), so one key's messages reach one member, in publish order, as long as the
//!   group's membership does not change. A group is its name *and* its address pattern.
//! - **Bounded**: each member has a queue of [`InMemory::with_capacity`] messages; `publish`
//!   waits while the queue is full (backpressure) rather than growing without limit. So a
//!   handler that publishes into a queue its own consumer drains (its own channel, or a cycle
//!   of handlers) needs room there for what it causes: size the capacity for such flows.
//! - **Settling**: a retried message goes to the back of its member's queue with its attempt
//!   counted (behind later messages of the same key), or to another member when its own has
//!   left; a dead-lettered one is kept, with its reason, in [`InMemory::dead_letters`]. A
//!   retry that no member is left to take is dead-lettered too: nothing is dropped silently.
//!
//! Like a broker without persistence, it delivers only to groups that exist when a message
//! is published: subscribe first. It keeps nothing beyond the members' queues (retention is
//! their capacity), and [`InMemory::delete_group`] removes a group. For the same reason, a delivery dropped without being
//! settled (its consumer task was cancelled mid-message) is not delivered again; a
//! [`Consumer`](crate::Consumer) settles every delivery, even when a handler panics.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;

use crate::address;
use crate::envelope::Binding;
use crate::transport::settle::{Broker, Retry, Settler};
use crate::transport::{
    lock, Delivered, Delivery, RawMessage, Subscription, Transport, TransportError,
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
    closed: AtomicBool,
    groups: Mutex<Vec<Group>>,
    dead_letters: Mutex<Vec<DeadLetter>>,
}

/// A consumer group is its name and its address pattern: two routers that share a group name
/// but subscribe to different channels are two groups.
#[derive(Clone, Debug, PartialEq, Eq)]
struct GroupKey {
    name: String,
    pattern: String,
}

struct Group {
    key: GroupKey,
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
                closed: AtomicBool::new(false),
                groups: Mutex::new(Vec::new()),
                dead_letters: Mutex::new(Vec::new()),
            }),
        }
    }

    /// The messages dead-lettered so far, oldest first.
    pub fn dead_letters(&self) -> Vec<DeadLetter> {
        lock(&self.shared.dead_letters).clone()
    }

    /// Ends every subscription once it has drained its queue. Later publishes and
    /// subscriptions fail with [`TransportError::Closed`]; messages retried during the drain
    /// are dead-lettered, since no one is left to take them.
    pub fn close(&self) {
        self.shared.closed.store(true, Ordering::SeqCst);
        lock(&self.shared.groups).clear();
    }
}

impl InMemory {
    /// Deletes consumer `group` on `pattern`; it is `true` if there was one. Later messages
    /// no longer reach it, and its members' subscriptions end once they have drained what
    /// they already hold (a retry they make then is dead-lettered). The bus keeps nothing
    /// else for a group: a message is gone once a member has taken it.
    pub async fn delete_group(&self, pattern: &str, group: &str) -> Result<bool, TransportError> {
        let mut groups = lock(&self.shared.groups);
        let before = groups.len();
        groups.retain(|g| g.key.name != group || g.key.pattern != pattern);
        Ok(groups.len() != before)
    }
}

impl Transport for InMemory {
    type Subscription = MemorySubscription;

    fn binding(&self) -> Binding {
        self.shared.binding
    }

    fn system(&self) -> &'static str {
        "memory"
    }

    async fn publish(&self, message: RawMessage) -> Result<(), TransportError> {
        if self.shared.closed.load(Ordering::SeqCst) {
            return Err(TransportError::Closed);
        }
        let slot = slot_of(&message);
        let groups: Vec<GroupKey> = lock(&self.shared.groups)
            .iter()
            .filter(|g| address::matches(&g.key.pattern, &message.address))
            .map(|g| g.key.clone())
            .collect();
        for group in groups {
            // A group whose last member left meanwhile no longer wants the message.
            let _ = self.shared.send(&group, slot, (message.clone(), 1)).await;
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
        let key = GroupKey {
            name: group.to_owned(),
            pattern: pattern.to_owned(),
        };
        let mut groups = lock(&self.shared.groups);
        // Checked under the lock that `close` takes, so no group outlives a close.
        if self.shared.closed.load(Ordering::SeqCst) {
            return Err(TransportError::Closed);
        }
        match groups.iter_mut().find(|g| g.key == key) {
            Some(existing) => existing.members.push(sender),
            None => groups.push(Group {
                key: key.clone(),
                members: vec![sender],
            }),
        }
        Ok(MemorySubscription {
            receiver,
            own: weak,
            group: key,
            shared: Arc::clone(&self.shared),
        })
    }
}

impl Shared {
    /// Sends `item` to the member of `group` that owns `slot`, waiting for room; members that
    /// left are dropped from the group on the way. Gives the item back when the group has
    /// no member left.
    async fn send(&self, group: &GroupKey, slot: u64, mut item: Item) -> Result<(), Item> {
        loop {
            let sender = {
                let mut groups = lock(&self.groups);
                let Some(g) = groups.iter_mut().find(|g| g.key == *group) else {
                    return Err(item);
                };
                g.members.retain(|m| !m.is_closed());
                if g.members.is_empty() {
                    groups.retain(|g| g.key != *group);
                    return Err(item);
                }
                let index = (slot % g.members.len() as u64) as usize;
                g.members[index].clone()
            };
            match sender.send(item).await {
                Ok(()) => return Ok(()),
                // The member left between the choice and the send: choose again.
                Err(mpsc::error::SendError(back)) => item = back,
            }
        }
    }

    /// Delivers a retried `item` to any member of `group`, or dead-letters it when none is
    /// left: a retry is never lost.
    async fn requeue(&self, group: &GroupKey, item: Item, reason: &str) {
        let slot = slot_of(&item.0);
        if let Err((message, attempt)) = self.send(group, slot, item).await {
            self.bury(DeadLetter {
                message,
                attempt: attempt.saturating_sub(1),
                group: group.name.clone(),
                reason: format!(
                    "{reason}; not retried: the consumer group has no member left{}",
                    if self.closed.load(Ordering::SeqCst) {
                        " (the bus is closed)"
                    } else {
                        ""
                    }
                ),
            });
        }
    }

    fn bury(&self, dead: DeadLetter) {
        lock(&self.dead_letters).push(dead);
    }
}

fn slot_of(message: &RawMessage) -> u64 {
    message.key_hash()
}

/// One member of a consumer group on an [`InMemory`] bus.
pub struct MemorySubscription {
    receiver: mpsc::Receiver<Item>,
    own: mpsc::WeakSender<Item>,
    group: GroupKey,
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
        Some(Delivery::new(message, attempt, Box::new(Settler(settle))))
    }
}

struct MemorySettle {
    own: mpsc::WeakSender<Item>,
    group: GroupKey,
    shared: Arc<Shared>,
}

impl Broker for MemorySettle {
    /// Nothing to tell: the bus forgets a message once it is delivered.
    async fn ack(&self) -> Result<(), TransportError> {
        Ok(())
    }

    /// Kept with its reason in [`InMemory::dead_letters`].
    async fn bury(&self, delivered: Delivered, reason: String) -> Result<(), TransportError> {
        self.shared.bury(DeadLetter {
            message: delivered.message,
            attempt: delivered.attempt,
            group: self.group.name.clone(),
            reason,
        });
        Ok(())
    }
}

impl Retry for MemorySettle {
    async fn retry(
        self,
        delivered: Delivered,
        delay: Duration,
        reason: String,
    ) -> Result<(), TransportError> {
        let item = (delivered.message, delivered.attempt.saturating_add(1));
        if !delay.is_zero() {
            // Redelivered after the delay, from another task: the consumer goes on.
            let (shared, group) = (self.shared, self.group);
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                shared.requeue(&group, item, &reason).await;
            });
            return Ok(());
        }
        let item = match self.own.upgrade() {
            Some(own) => match own.try_send(item) {
                Ok(()) => return Ok(()),
                // The consumer that settles is the one that drains this queue: it must not
                // wait for room in it, so another task does.
                Err(mpsc::error::TrySendError::Full(item)) => {
                    let (shared, group) = (self.shared, self.group);
                    tokio::spawn(async move {
                        if let Err(mpsc::error::SendError(item)) = own.send(item).await {
                            shared.requeue(&group, item, &reason).await;
                        }
                    });
                    return Ok(());
                }
                Err(mpsc::error::TrySendError::Closed(item)) => item,
            },
            None => item,
        };
        // This member is gone: another member of the group takes the retry.
        self.shared.requeue(&self.group, item, &reason).await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::Settlement;

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
                delay: Duration::ZERO,
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
    async fn a_group_is_its_name_and_its_pattern() {
        let bus = InMemory::new();
        let mut orders = bus.subscribe("orders/{id}", "billing").await.unwrap();
        let mut payments = bus.subscribe("payments/{id}", "billing").await.unwrap();
        for n in 0..4 {
            bus.publish(message(&format!("payments/{n}"), &n.to_string(), n))
                .await
                .unwrap();
        }
        bus.close();
        let mut got = vec![];
        while let Some(d) = payments.next().await {
            got.push(number(&d));
        }
        assert_eq!(got, [0, 1, 2, 3]);
        assert!(orders.next().await.is_none());
    }

    #[tokio::test]
    async fn a_retry_goes_to_another_member_or_to_the_dead_letters() {
        let bus = InMemory::new();
        let mut first = bus.subscribe("#", "g").await.unwrap();
        bus.publish(message("a", "k", 1)).await.unwrap();
        let delivery = first.next().await.unwrap();
        let mut second = bus.subscribe("#", "g").await.unwrap();
        drop(first);
        let retry = Settlement::Retry {
            reason: "busy".into(),
            delay: Duration::ZERO,
        };
        delivery.settle(retry.clone()).await.unwrap();
        let again = second.next().await.unwrap();
        assert_eq!((again.attempt(), number(&again)), (2, 1));

        // No member left once the bus is closed: the retry is dead-lettered, not lost.
        bus.close();
        again.settle(retry).await.unwrap();
        let dead = bus.dead_letters();
        assert_eq!(dead.len(), 1);
        assert_eq!(dead[0].attempt, 2);
        assert!(
            dead[0].reason.starts_with("busy; not retried"),
            "{}",
            dead[0].reason
        );
    }

    #[tokio::test]
    async fn a_closed_bus_refuses_publishers_and_subscribers() {
        let bus = InMemory::new();
        bus.close();
        assert!(matches!(
            bus.publish(message("a", "k", 1)).await,
            Err(TransportError::Closed)
        ));
        assert!(matches!(
            bus.subscribe("#", "g").await,
            Err(TransportError::Closed)
        ));
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

#[cfg(test)]
mod delete_group_tests {
    use super::*;

    fn message(n: u32) -> RawMessage {
        RawMessage {
            address: "orders/1".into(),
            key: None,
            headers: vec![],
            body: n.to_string().into_bytes(),
        }
    }

    #[tokio::test]
    async fn a_deleted_group_gets_nothing_more_and_its_members_end() {
        let bus = InMemory::new();
        let mut a = bus.subscribe("orders/{id}", "a").await.unwrap();
        let mut b = bus.subscribe("orders/{id}", "b").await.unwrap();
        bus.publish(message(1)).await.unwrap();
        assert!(!bus.delete_group("orders/{id}", "c").await.unwrap());
        assert!(!bus.delete_group("payments/{id}", "a").await.unwrap());
        assert!(bus.delete_group("orders/{id}", "a").await.unwrap());
        assert!(!bus.delete_group("orders/{id}", "a").await.unwrap());
        bus.publish(message(2)).await.unwrap();
        // `a` drains what it held, then ends; `b` gets both.
        assert_eq!(a.next().await.unwrap().message().body, b"1");
        assert!(a.next().await.is_none());
        assert_eq!(b.next().await.unwrap().message().body, b"1");
        assert_eq!(b.next().await.unwrap().message().body, b"2");
    }
}
