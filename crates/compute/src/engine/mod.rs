//! What Blaze adds to DataFusion's engine: operators for plans its own cannot run well, and the
//! planner that knows them.

mod dictionary_scan;
mod group_ids;
mod in_turn;
mod partial_aggregate;
mod top_per_group;

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::catalog::Session;
use datafusion::common::Result;
use datafusion::execution::context::QueryPlanner;
use datafusion::logical_expr::physical_planning_context::PhysicalPlanningContext;
use datafusion::logical_expr::{LogicalPlan, UserDefinedLogicalNode};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_planner::{DefaultPhysicalPlanner, ExtensionPlanner, PhysicalPlanner};

pub(crate) use in_turn::InTurn;
use in_turn::InTurnExec;
pub(crate) use partial_aggregate::UsePartialAggregate;
use top_per_group::TopPerGroupExec;
pub(crate) use top_per_group::{Order, TopPerGroup};

/// DataFusion's planner, with Blaze's operators.
#[derive(Debug)]
pub(crate) struct BlazePlanner;

#[async_trait]
impl QueryPlanner for BlazePlanner {
    async fn create_physical_plan(
        &self,
        logical_plan: &LogicalPlan,
        session: &dyn Session,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        DefaultPhysicalPlanner::with_extension_planners(vec![Arc::new(Operators)])
            .create_physical_plan(logical_plan, session)
            .await
    }
}

/// Plans Blaze's logical nodes to its operators.
struct Operators;

#[async_trait]
impl ExtensionPlanner for Operators {
    async fn plan_extension(
        &self,
        planner: &dyn PhysicalPlanner,
        node: &dyn UserDefinedLogicalNode,
        logical_inputs: &[&LogicalPlan],
        physical_inputs: &[Arc<dyn ExecutionPlan>],
        session: &dyn Session,
        planning_ctx: &PhysicalPlanningContext,
    ) -> Result<Option<Arc<dyn ExecutionPlan>>> {
        let (&[input], [physical]) = (logical_inputs, physical_inputs) else {
            return Ok(None);
        };
        if node.as_any().is::<InTurn>() {
            return Ok(Some(Arc::new(InTurnExec::new(Arc::clone(physical)))));
        }
        let Some(top) = node.as_any().downcast_ref::<TopPerGroup>() else {
            return Ok(None);
        };
        let physical_expr =
            |e| planner.create_physical_expr(e, input.schema(), session, planning_ctx);
        let exprs = top.expressions();
        let (value, keys) = exprs.split_last().expect("a value");
        let keys = keys.iter().map(physical_expr).collect::<Result<Vec<_>>>()?;
        Ok(Some(Arc::new(TopPerGroupExec::new(
            top,
            Arc::clone(physical),
            keys,
            physical_expr(value)?,
        ))))
    }
}
