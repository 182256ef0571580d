//! A kind's own part of a tenant (its groups, desks, events, quirks...), whatever the kind: the
//! simulators reach it typed ([`App::part`]); the faults reach what they need of the kind
//! through it (a new user in the kind's shape, a 429 in the kind's style).

use std::any::Any;
use std::fmt;

use serde_json::Value;

/// The own part of one kind's tenant file: a serde struct (`deny_unknown_fields`) that knows its
/// kind.
pub trait Part: fmt::Debug + Clone + Send + Sync + 'static {
    /// The kind this part is of (as in a tenant file and the config).
    const KIND: &'static str;

    /// A new user of this kind, in the shape its simulator serves from (the churn faults add
    /// them).
    fn new_user(id: &str, name: &str) -> Value;

    /// The body of a 429 in this kind's style, for the `n`th request: (content type, body).
    fn body_429(_n: u64) -> (&'static str, &'static str) {
        ("application/json", r#"{"errors":[{"code":29,"description":"Too many requests","parameter":null}]}"#)
    }
}

/// What a part is, without its type.
trait ErasedPart: fmt::Debug + Send + Sync {
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
    fn clone_box(&self) -> Box<dyn ErasedPart>;
}

impl<P: Part> ErasedPart for P {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
    fn clone_box(&self) -> Box<dyn ErasedPart> {
        Box::new(self.clone())
    }
}

/// A kind's own part of a tenant, with the kind it is of.
pub struct App {
    kind: &'static str,
    part: Box<dyn ErasedPart>,
    new_user: fn(&str, &str) -> Value,
    body_429: fn(u64) -> (&'static str, &'static str),
}

impl App {
    /// A part of its own kind.
    pub fn new<P: Part>(part: P) -> App {
        App::with_kind(P::KIND, part)
    }

    /// A part served as another kind too (a BlueJeans enterprise is `bluejeans` or
    /// `bluejeans_events`).
    pub fn with_kind<P: Part>(kind: &'static str, part: P) -> App {
        App { kind, part: Box::new(part), new_user: P::new_user, body_429: P::body_429 }
    }

    /// The kind's name, as in a tenant file and the config.
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// The part, when it is a `P`.
    pub fn part<P: Part>(&self) -> Option<&P> {
        self.part.as_any().downcast_ref()
    }

    pub fn part_mut<P: Part>(&mut self) -> Option<&mut P> {
        self.part.as_any_mut().downcast_mut()
    }

    /// A new user in the kind's shape.
    pub fn new_user(&self, id: &str, name: &str) -> Value {
        (self.new_user)(id, name)
    }

    /// A 429's body in the kind's style.
    pub fn body_429(&self, n: u64) -> (&'static str, &'static str) {
        (self.body_429)(n)
    }
}

impl Clone for App {
    fn clone(&self) -> Self {
        App { kind: self.kind, part: self.part.clone_box(), new_user: self.new_user, body_429: self.body_429 }
    }
}

impl fmt::Debug for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "App({}: {:?})", self.kind, self.part)
    }
}
