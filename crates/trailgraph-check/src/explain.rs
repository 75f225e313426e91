//! Explanations: walking a check query's nested `with` chain level by level.

use trailgraph_query::ast::{BoolOp, Spanned, Term};

/// The top-level `and` conjuncts of a term, left to right.
pub(crate) fn conjuncts(term: &Spanned<Term>) -> Vec<&Spanned<Term>> {
    match &term.node {
        Term::Combined {
            left,
            op: BoolOp::And,
            right,
        } => {
            let mut out = conjuncts(left);
            out.extend(conjuncts(right));
            out
        }
        _ => vec![term],
    }
}
