//! Recursive schemas: make every recursive type finite and every alias non-circular.
//!
//! A struct that holds itself by value (directly, through `Option`, or through other structs) has
//! infinite size. Such edges inside a strongly connected component of the "holds by value"
//! graph are boxed; `Vec` and maps already break the cycle. An alias that refers to itself
//! (`type Tree = Vec<Tree>`) is not valid Rust, so it becomes a newtype.

use super::{Struct, Ty, TypeDef, TypeId, TypeKind, VariantContent};

/// Boxes by-value recursion and turns circular aliases into newtypes.
pub(crate) fn fix(types: &mut [TypeDef]) {
    break_alias_cycles(types);
    let graph: Vec<Vec<usize>> = types.iter().map(|t| by_value_edges(&t.kind)).collect();
    let component = strongly_connected(&graph);
    for (i, def) in types.iter_mut().enumerate() {
        let same = |target: usize| component[target] == component[i];
        visit_kind(&mut def.kind, &mut |ty| box_recursive(ty, &same));
    }
}

fn break_alias_cycles(types: &mut [TypeDef]) {
    // Alias-to-alias edges through any wrapper (Vec, Option, ...).
    let graph: Vec<Vec<usize>> = types
        .iter()
        .map(|t| match &t.kind {
            TypeKind::Alias(ty) => {
                let mut out = Vec::new();
                named_in(ty, true, &mut out);
                out.retain(|id| matches!(types[*id].kind, TypeKind::Alias(_)));
                out
            }
            _ => Vec::new(),
        })
        .collect();
    let component = strongly_connected(&graph);
    let mut size = vec![0usize; types.len()];
    for c in &component {
        size[*c] += 1;
    }
    for i in 0..types.len() {
        if graph[i].contains(&i) || size[component[i]] > 1 {
            if let TypeKind::Alias(ty) = &types[i].kind {
                types[i].kind = TypeKind::Newtype(ty.clone());
            }
        }
    }
}

fn by_value_edges(kind: &TypeKind) -> Vec<usize> {
    let mut out = Vec::new();
    let mut visit = |ty: &Ty| named_in(ty, false, &mut out);
    match kind {
        TypeKind::Struct(s) => struct_tys(s).for_each(&mut visit),
        TypeKind::Union(u) => {
            for v in &u.variants {
                match &v.content {
                    VariantContent::Type(ty) => visit(ty),
                    VariantContent::Fields(s) => struct_tys(s).for_each(&mut visit),
                }
            }
        }
        TypeKind::Newtype(ty) | TypeKind::Alias(ty) => visit(ty),
        _ => {}
    }
    out
}

fn struct_tys(s: &Struct) -> impl Iterator<Item = &Ty> {
    s.fields.iter().map(|f| &f.ty)
}

/// Named types in `ty`; through indirection (`Vec`, maps, `Box`) only when `through_heap`.
fn named_in(ty: &Ty, through_heap: bool, out: &mut Vec<usize>) {
    match ty {
        Ty::Named(id) => out.push(id.0),
        Ty::Option(inner) => named_in(inner, through_heap, out),
        Ty::Tuple(items) => items.iter().for_each(|t| named_in(t, through_heap, out)),
        Ty::Vec(inner) | Ty::Map(inner) | Ty::Box(inner) if through_heap => {
            named_in(inner, through_heap, out)
        }
        _ => {}
    }
}

fn visit_kind(kind: &mut TypeKind, f: &mut dyn FnMut(&mut Ty)) {
    let visit_struct = |s: &mut Struct, f: &mut dyn FnMut(&mut Ty)| {
        for field in &mut s.fields {
            f(&mut field.ty);
        }
    };
    match kind {
        TypeKind::Struct(s) => visit_struct(s, f),
        TypeKind::Union(u) => {
            for v in &mut u.variants {
                match &mut v.content {
                    VariantContent::Type(ty) => f(ty),
                    VariantContent::Fields(s) => visit_struct(s, f),
                }
            }
        }
        TypeKind::Newtype(ty) | TypeKind::Alias(ty) => f(ty),
        _ => {}
    }
}

fn box_recursive(ty: &mut Ty, same: &dyn Fn(usize) -> bool) {
    match ty {
        Ty::Named(TypeId(id)) if same(*id) => {
            let inner = std::mem::replace(ty, Ty::Any);
            *ty = Ty::Box(Box::new(inner));
        }
        Ty::Option(inner) => box_recursive(inner, same),
        Ty::Tuple(items) => items.iter_mut().for_each(|t| box_recursive(t, same)),
        _ => {}
    }
}

/// Tarjan's algorithm, iterative; returns the component index of every node. A node alone
/// in its component without a self-edge is its own component too, so callers that care
/// about real cycles check for self-edges or component size.
fn strongly_connected(graph: &[Vec<usize>]) -> Vec<usize> {
    let n = graph.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut component = vec![usize::MAX; n];
    let mut next_index = 0;
    let mut next_component = 0;
    for start in 0..n {
        if index[start] != usize::MAX {
            continue;
        }
        let mut work = vec![(start, 0usize)];
        while let Some(&mut (v, ref mut edge)) = work.last_mut() {
            if *edge == 0 && index[v] == usize::MAX {
                index[v] = next_index;
                low[v] = next_index;
                next_index += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = graph[v].get(*edge) {
                *edge += 1;
                if index[w] == usize::MAX {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component[w] = next_component;
                    if w == v {
                        break;
                    }
                }
                next_component += 1;
            }
        }
    }
    component
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components() {
        let graph = vec![vec![1], vec![0], vec![2], vec![]];
        let c = strongly_connected(&graph);
        assert_eq!(c[0], c[1]);
        assert_ne!(c[0], c[2]);
        assert_ne!(c[2], c[3]);
    }
}
