//! The `order_lines` rows of the orders a batch inserted or updated. A new order's lines are
//! inserted without a DELETE. For an updated order the stored rows are compared by position,
//! and only the rows that differ are written.

use std::collections::HashMap;

use postsale_core::OrderId;
use postsale_core::order::Order;
use serde::Serialize;
use sqlx::{Any, Row, Transaction};

use super::{json_ids, json_rows, to_json};
use crate::{Dialect, Result};

/// The columns of one line row besides its order and position.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(super) struct LineValues {
    sku: Option<String>,
    name: String,
    quantity: i64,
    unit_price: Option<String>,
    line_total: Option<String>,
}

impl LineValues {
    /// Returns the row values of each line of the order, by position.
    pub(super) fn of(order: &Order) -> Vec<LineValues> {
        order
            .lines
            .iter()
            .map(|line| LineValues {
                sku: line.sku.clone(),
                name: line.name.clone(),
                quantity: i64::from(line.quantity),
                unit_price: line.unit_price.map(|price| price.to_string()),
                line_total: line.line_total.map(|total| total.to_string()),
            })
            .collect()
    }
}

/// A line row to insert, as one object of the JSON parameter.
#[derive(Serialize)]
struct InsertRecord<'a> {
    order_id: i64,
    position: i64,
    #[serde(flatten)]
    values: &'a LineValues,
}

/// A changed line row, by its id, as one object of the JSON parameter.
#[derive(Serialize)]
struct ChangeRecord<'a> {
    id: i64,
    #[serde(flatten)]
    values: &'a LineValues,
}

const VALUE_COLUMNS: [(&str, &str); 5] = [
    ("sku", "text"),
    ("name", "text"),
    ("quantity", "bigint"),
    ("unit_price", "text"),
    ("line_total", "text"),
];

/// Stores the lines of the orders this batch inserted, which have no rows yet, and of the
/// orders it updated, whose rows are brought in line with the new lines.
pub(super) async fn write(
    transaction: &mut Transaction<'static, Any>,
    dialect: Dialect,
    inserted: &[(OrderId, &[LineValues])],
    updated: &[(OrderId, &[LineValues])],
) -> Result<()> {
    let mut inserts = Vec::new();
    for (order_id, lines) in inserted {
        for (position, values) in lines.iter().enumerate() {
            inserts.push(InsertRecord {
                order_id: order_id.get(),
                position: position_number(position),
                values,
            });
        }
    }

    let stored = read_stored(transaction, dialect, updated).await?;
    let mut changes = Vec::new();
    let mut deletes = Vec::new();
    for (order_id, lines) in updated {
        let mut rows: HashMap<i64, &StoredLine> = stored
            .get(order_id)
            .map(|rows| rows.iter().map(|row| (row.position, row)).collect())
            .unwrap_or_default();
        for (position, values) in lines.iter().enumerate() {
            let position = position_number(position);
            match rows.remove(&position) {
                Some(row) if row.values == *values => {}
                Some(row) => changes.push(ChangeRecord { id: row.id, values }),
                None => inserts.push(InsertRecord {
                    order_id: order_id.get(),
                    position,
                    values,
                }),
            }
        }
        // Rows left over have no line at their position any more.
        deletes.extend(rows.values().map(|row| row.id));
    }

    if !deletes.is_empty() {
        sqlx::query(&format!(
            "DELETE FROM order_lines WHERE id IN ({})",
            json_ids(dialect, "$1")
        ))
        .bind(to_json(&deletes)?)
        .execute(&mut **transaction)
        .await?;
    }
    if !changes.is_empty() {
        let mut columns = vec![("id", "bigint")];
        columns.extend(VALUE_COLUMNS);
        let assignments: Vec<String> = VALUE_COLUMNS
            .iter()
            .map(|(name, _)| format!("{name} = j.{name}"))
            .collect();
        sqlx::query(&format!(
            "UPDATE order_lines SET {} FROM {} WHERE order_lines.id = j.id",
            assignments.join(", "),
            json_rows(dialect, "$1", &columns)
        ))
        .bind(to_json(&changes)?)
        .execute(&mut **transaction)
        .await?;
    }
    if !inserts.is_empty() {
        let mut columns = vec![("order_id", "bigint"), ("position", "bigint")];
        columns.extend(VALUE_COLUMNS);
        let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
        sqlx::query(&format!(
            "INSERT INTO order_lines ({names}) SELECT {names} FROM {}",
            json_rows(dialect, "$1", &columns),
            names = names.join(", "),
        ))
        .bind(to_json(&inserts)?)
        .execute(&mut **transaction)
        .await?;
    }
    Ok(())
}

/// A stored line row.
struct StoredLine {
    id: i64,
    position: i64,
    values: LineValues,
}

/// Reads the line rows of these orders in one query.
async fn read_stored(
    transaction: &mut Transaction<'static, Any>,
    dialect: Dialect,
    orders: &[(OrderId, &[LineValues])],
) -> Result<HashMap<OrderId, Vec<StoredLine>>> {
    let mut stored: HashMap<OrderId, Vec<StoredLine>> = HashMap::new();
    if orders.is_empty() {
        return Ok(stored);
    }
    let ids: Vec<i64> = orders.iter().map(|(id, _)| id.get()).collect();
    let rows = sqlx::query(&format!(
        "SELECT id, order_id, position, sku, name, quantity, unit_price, line_total \
         FROM order_lines WHERE order_id IN ({})",
        json_ids(dialect, "$1")
    ))
    .bind(to_json(&ids)?)
    .fetch_all(&mut **transaction)
    .await?;
    for row in &rows {
        let line = StoredLine {
            id: row.try_get("id")?,
            position: row.try_get("position")?,
            values: LineValues {
                sku: row.try_get("sku")?,
                name: row.try_get("name")?,
                quantity: row.try_get("quantity")?,
                unit_price: row.try_get("unit_price")?,
                line_total: row.try_get("line_total")?,
            },
        };
        stored
            .entry(OrderId(row.try_get("order_id")?))
            .or_default()
            .push(line);
    }
    Ok(stored)
}

fn position_number(position: usize) -> i64 {
    i64::try_from(position).unwrap_or(i64::MAX)
}
