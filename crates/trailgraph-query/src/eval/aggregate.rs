//! `aggregate(...)`: grouping result nodes and computing functions per group.

use std::collections::HashMap;

use trailgraph_model::{Inventory, NodeId, Object, Value};

use super::{arango_cmp, value_at};
use crate::plan::{
    AggregateFunctionKind, AggregateFunctionPlan, AggregatePlan, GroupValue, Operand, TemplatePart,
};

/// Groups `nodes` by the aggregate's group columns and computes its functions: one row per
/// group, `{"group": {name: value, ...}, fn_name: result, ...}`, ordered by the group values.
pub fn aggregate(plan: &AggregatePlan, inventory: &Inventory, nodes: &[NodeId]) -> Vec<Value> {
    let mut groups: Vec<(Vec<Value>, Vec<Vec<f64>>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for &id in nodes {
        let key: Vec<Value> = plan
            .group
            .iter()
            .map(|(_, g)| match g {
                GroupValue::Path(p) => value_at(inventory, id, p, None),
                GroupValue::Template(parts) => {
                    let mut text = String::new();
                    for part in parts {
                        match part {
                            TemplatePart::Text(t) => text.push_str(t),
                            TemplatePart::Path(p) => match value_at(inventory, id, p, None) {
                                Value::String(s) => text.push_str(&s),
                                other => text.push_str(&other.to_string()),
                            },
                        }
                    }
                    Value::from(text)
                }
            })
            .collect();
        let text = Value::Array(key.clone().into()).to_string();
        let slot = *index.entry(text).or_insert_with(|| {
            groups.push((key, vec![Vec::new(); plan.functions.len()]));
            groups.len() - 1
        });
        for (f, function) in plan.functions.iter().enumerate() {
            if let Some(x) = operand_value(function, inventory, id)
                && let Some(values) = groups.get_mut(slot).and_then(|g| g.1.get_mut(f))
            {
                values.push(x);
            }
        }
    }
    groups.sort_by(|a, b| {
        arango_cmp(
            &Value::Array(a.0.clone().into()),
            &Value::Array(b.0.clone().into()),
        )
    });
    groups
        .into_iter()
        .map(|(key, values)| {
            let mut pairs: Vec<(String, Value)> = Vec::new();
            if !plan.group.is_empty() {
                let group = Object::from_pairs(
                    plan.group
                        .iter()
                        .zip(key)
                        .map(|((name, _), v)| (name.as_str(), v)),
                );
                pairs.push(("group".to_owned(), Value::Object(group)));
            }
            for (function, values) in plan.functions.iter().zip(values) {
                pairs.push((function.name.clone(), compute(function.function, &values)));
            }
            Value::Object(Object::from_pairs(pairs))
        })
        .collect()
}

fn operand_value(
    function: &AggregateFunctionPlan,
    inventory: &Inventory,
    id: NodeId,
) -> Option<f64> {
    let mut result: Option<f64> = None;
    for (op, operand) in &function.operands {
        let x = match operand {
            Operand::Number(n) => *n,
            Operand::Path(p) => value_at(inventory, id, p, None).as_f64()?,
        };
        result = Some(match (result, op) {
            (None, _) | (Some(_), None) => x,
            (Some(r), Some('+')) => r + x,
            (Some(r), Some('-')) => r - x,
            (Some(r), Some('*')) => r * x,
            (Some(r), Some('/')) => r / x,
            (Some(r), Some(_)) => r % x,
        });
    }
    result
}

fn compute(function: AggregateFunctionKind, values: &[f64]) -> Value {
    #[allow(clippy::cast_precision_loss)]
    let n = values.len() as f64;
    let sum: f64 = values.iter().sum();
    let number = |x: f64| {
        if x.fract() == 0.0 && x.abs() < 9e15 {
            #[allow(clippy::cast_possible_truncation)]
            Value::from(x as i64)
        } else {
            Value::from(x)
        }
    };
    if values.is_empty()
        && function != AggregateFunctionKind::Sum
        && function != AggregateFunctionKind::Count
    {
        return Value::Null;
    }
    let variance = || {
        let mean = sum / n;
        values.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n
    };
    match function {
        AggregateFunctionKind::Sum => number(sum),
        AggregateFunctionKind::Count => number(n),
        AggregateFunctionKind::Min => number(values.iter().copied().fold(f64::INFINITY, f64::min)),
        AggregateFunctionKind::Max => {
            number(values.iter().copied().fold(f64::NEG_INFINITY, f64::max))
        }
        AggregateFunctionKind::Avg => number(sum / n),
        AggregateFunctionKind::Variance => number(variance()),
        AggregateFunctionKind::Stddev => number(variance().sqrt()),
    }
}
