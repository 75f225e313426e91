//! Running a [`Plan`](crate::plan::Plan) over an [`Inventory`](trailgraph_model::Inventory):
//! one function per plan node, with statistics.
//!
//! [`Searcher`] and the [`evaluate`] functions are the entry points; the evaluator runs parts
//! (their filter, merge, `with`, order and navigation steps), filters read values at paths and
//! compare them as Fix does, walks follow navigations through the graph. [`aggregate()`] groups
//! a result and [`explain()`] prints a plan with its statistics.

mod aggregate;
mod compare;
mod evaluator;
mod explain;
mod filter;
mod hash;
mod searcher;
mod tracer;
mod traverse;
mod value;

pub use aggregate::aggregate;
pub use explain::explain;
pub use hash::{FastHash, NodeHasher};
pub use searcher::{
    EvalOptions, Evaluation, FilterJudgements, PartStats, Searcher, Stats, evaluate, evaluate_from,
};
pub use value::{Merged, Overlay};

pub(crate) use compare::{arango_cmp, compare_values};
pub(crate) use filter::filter_accepts_empty_edge;
pub(crate) use hash::{NodeMap, NodeSet};
pub(crate) use value::{insert_path, node_object, value_at, walk};
