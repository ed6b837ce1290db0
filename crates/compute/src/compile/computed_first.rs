//! What stands in a plan that is only shown (`--explain`) for a value computed before it: a
//! single value of other rows (`t.a[0]` in `t.a - t.a[0]`), or the values `isin` compares
//! with. Compiling for real computes those first and puts them in the plan as constants;
//! planning to show the plan computes nothing, so each is `computed_first('t.a[0]')` there,
//! typed as the value (or `isin_computed_first(x, 'c.name')`), and its own plan is shown
//! beside.

use arrow::datatypes::DataType;
use datafusion::common::{Result as DfResult, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::prelude::{Expr as DfExpr, lit};

/// `computed_first('<what>')`, the single value `what`, of type `data_type`.
pub(super) fn computed_first(what: &str, data_type: DataType) -> DfExpr {
    stand_in("computed_first", data_type, vec![lit(what)])
}

/// `isin_computed_first(x, '<what>')`: whether `x` is among the values of the column `what`.
pub(super) fn isin_computed_first(x: DfExpr, what: &str) -> DfExpr {
    stand_in("isin_computed_first", DataType::Boolean, vec![x, lit(what)])
}

fn stand_in(name: &'static str, data_type: DataType, args: Vec<DfExpr>) -> DfExpr {
    ScalarUDF::new_from_impl(ComputedFirst {
        name,
        data_type,
        // Volatile, so that the optimizer does not fold it away as a constant.
        signature: Signature::variadic_any(Volatility::Volatile),
    })
    .call(args)
}

/// What each column of `isin(column)` compares with: its distinct values computed, or, where
/// the plan is only shown, the column named.
#[derive(Clone)]
pub(crate) enum Values {
    Computed(Vec<DfExpr>),
    Planned(String),
}

/// The function [`computed_first`] and [`isin_computed_first`] call, which plans but never
/// runs.
#[derive(Debug, PartialEq, Eq, Hash)]
struct ComputedFirst {
    name: &'static str,
    data_type: DataType,
    signature: Signature,
}

impl ScalarUDFImpl for ComputedFirst {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> DfResult<DataType> {
        Ok(self.data_type.clone())
    }

    fn invoke_with_args(&self, _: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        exec_err!(
            "{} stands for values in a plan that is only shown, never run",
            self.name
        )
    }
}
