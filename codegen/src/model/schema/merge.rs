//! `allOf`: the branches of an object merged into one view of its parts.

use crate::error::Result;
use crate::model::{Ty, TypeId};
use crate::source::node::Node;
use crate::source::resolve::Loc;

use super::{is_object_like, type_names, Made, TypeSpace};

impl<'a> TypeSpace<'a> {
    pub(super) fn all_of(
        &mut self,
        node: &'a Node,
        loc: &Loc,
        hint: &str,
        slot: Option<TypeId>,
        nullable: &mut bool,
    ) -> Result<Made> {
        let branches = node.get("allOf").and_then(Node::as_seq).unwrap_or_default();
        // `allOf: [{$ref: X}]` with nothing else is just X.
        if branches.len() == 1 && !is_object_like(node) {
            let (ty, n) = self.ty_of(&branches[0], loc.child("allOf").child("0"), hint)?;
            *nullable |= n;
            return Ok(match ty {
                Ty::Named(id) if slot.is_none() => Made::Named(id),
                ty => Made::Ty(ty),
            });
        }
        let mut objecty = is_object_like(node);
        for (i, branch) in branches.iter().enumerate() {
            let (target, _) = self
                .src
                .resolve(branch, loc.child("allOf").child(&i.to_string()))?;
            objecty |= is_object_like(target) || target.get("allOf").is_some();
        }
        if !objecty {
            // allOf of non-objects: the first branch with a type describes the value.
            for (i, branch) in branches.iter().enumerate() {
                let branch_loc = loc.child("allOf").child(&i.to_string());
                let (target, _) = self.src.resolve(branch, branch_loc.clone())?;
                if !type_names(target).is_empty() || target.get("enum").is_some() {
                    let (ty, n) = self.ty_of(branch, branch_loc, hint)?;
                    *nullable |= n;
                    return Ok(Made::Ty(ty));
                }
            }
            return Ok(Made::Ty(Ty::Any));
        }
        self.object(node, loc, hint, slot)
    }
}
