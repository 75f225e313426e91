//! How values compare: Fix's loose equality, ArangoDB's order of values, `in` lists.

use std::cmp::Ordering;

use trailgraph_model::Value;

use crate::ast::CmpOp;
use crate::plan::Comparison;

pub(super) fn ordering_matches(op: CmpOp, ordering: Ordering) -> bool {
    match op {
        CmpOp::Eq => ordering == Ordering::Equal,
        CmpOp::Ne => ordering != Ordering::Equal,
        CmpOp::Lt => ordering == Ordering::Less,
        CmpOp::Le => ordering != Ordering::Greater,
        CmpOp::Gt => ordering == Ordering::Greater,
        CmpOp::Ge => ordering != Ordering::Less,
        _ => false,
    }
}

pub(super) fn in_comparison(value: &Value, c: &Comparison) -> bool {
    match &c.in_set {
        Some(set) => set.contains(value, loosely_equal),
        None => in_list(value, &c.value),
    }
}

fn in_list(value: &Value, list: &Value) -> bool {
    match list {
        Value::Array(items) => items.iter().any(|item| loosely_equal(value, item)),
        other => loosely_equal(value, other),
    }
}

/// Equality as Fix gets it after converting the literal to the property's type: deep for
/// arrays and objects, numbers by value, and a number equal to a string holding that number.
pub(super) fn loosely_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::String(s)) | (Value::String(s), Value::Number(x)) => {
            s.trim().parse::<f64>().is_ok_and(|n| n == x.as_f64())
        }
        _ => compare_values(a, b) == Ordering::Equal,
    }
}

/// Orders values as ArangoDB does: null < bool < number < string < array < object. A string
/// holding a number compares numerically with a number (the literal is converted as Fix would
/// convert it to the property's type).
pub(crate) fn compare_values(a: &Value, b: &Value) -> Ordering {
    if let (Value::Number(x), Value::String(s)) = (a, b)
        && let Ok(n) = s.trim().parse::<f64>()
    {
        return x.as_f64().partial_cmp(&n).unwrap_or(Ordering::Equal);
    }
    arango_cmp(a, b)
}

fn type_rank(v: &Value) -> u8 {
    match v {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(_) => 2,
        Value::String(_) => 3,
        Value::Array(_) => 4,
        Value::Object(_) => 5,
    }
}

/// ArangoDB's order of values (type first, then value).
pub(crate) fn arango_cmp(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Array(x), Value::Array(y)) => {
            for (p, q) in x.iter().zip(y.iter()) {
                let o = arango_cmp(p, q);
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        (Value::Object(x), Value::Object(y)) => {
            let mut xs: Vec<(&str, &Value)> = x.iter().collect();
            let mut ys: Vec<(&str, &Value)> = y.iter().collect();
            xs.sort_by(|p, q| p.0.cmp(q.0));
            ys.sort_by(|p, q| p.0.cmp(q.0));
            for ((kx, vx), (ky, vy)) in xs.iter().zip(ys.iter()) {
                let o = kx.cmp(ky).then_with(|| arango_cmp(vx, vy));
                if o != Ordering::Equal {
                    return o;
                }
            }
            xs.len().cmp(&ys.len())
        }
        _ => type_rank(a).cmp(&type_rank(b)),
    }
}
