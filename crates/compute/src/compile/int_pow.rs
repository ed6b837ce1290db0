//! `**` of integers, as NumPy computes it for integer columns: an exact integer result, and an
//! error for a negative exponent. The engine's `power` goes through floats, which turns
//! `2 ** -1` into 0, loses digits beyond 2^53, and turns a result beyond int64 into a cast
//! error naming neither `**` nor the value.

use std::sync::Arc;

use arrow::array::{ArrayRef, AsArray};
use arrow::compute::kernels::arity::try_binary;
use arrow::datatypes::{DataType, Int64Type};
use arrow::error::ArrowError;
use datafusion::common::Result as DfResult;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::prelude::{Expr as DfExpr, cast};

/// `base ** exponent`, both read as int64.
pub(super) fn int_pow(base: DfExpr, exponent: DfExpr) -> DfExpr {
    ScalarUDF::new_from_impl(IntPow {
        signature: Signature::exact(
            vec![DataType::Int64, DataType::Int64],
            Volatility::Immutable,
        ),
    })
    .call(vec![
        cast(base, DataType::Int64),
        cast(exponent, DataType::Int64),
    ])
}

/// The function [`int_pow`] calls.
#[derive(Debug, PartialEq, Eq, Hash)]
struct IntPow {
    signature: Signature,
}

impl ScalarUDFImpl for IntPow {
    fn name(&self) -> &str {
        "int_pow"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Int64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let [base, exponent] = arrays.as_slice() else {
            return datafusion::common::exec_err!("int_pow takes two arguments");
        };
        let powers = try_binary::<_, _, _, Int64Type>(
            base.as_primitive::<Int64Type>(),
            exponent.as_primitive::<Int64Type>(),
            power,
        )?;
        Ok(ColumnarValue::Array(Arc::new(powers) as ArrayRef))
    }
}

/// `base ** exponent` in int64, wrapping around on overflow as NumPy's integers (and the
/// engine's `+` and `*` of integers) do; an error for a negative exponent.
fn power(base: i64, exponent: i64) -> Result<i64, ArrowError> {
    if exponent < 0 {
        return Err(ArrowError::ComputeError(format!(
            "integers to negative integer powers are not allowed ({base} ** {exponent} of \
             integer columns; make one a float, as in .coerce('float64'))"
        )));
    }
    // By squaring, as `i64::wrapping_pow` does for exponents within u32.
    let (mut result, mut square, mut rest) = (1_i64, base, exponent as u64);
    while rest > 0 {
        if rest & 1 == 1 {
            result = result.wrapping_mul(square);
        }
        square = square.wrapping_mul(square);
        rest >>= 1;
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::power;

    #[test]
    fn powers_of_integers_are_exact_or_refused() {
        assert_eq!(power(3, 4).unwrap(), 81);
        assert_eq!(power(-2, 3).unwrap(), -8);
        assert_eq!(power(7, 0).unwrap(), 1);
        // Exact beyond 2^53, where floats are not.
        assert_eq!(power(3, 39).unwrap(), 4_052_555_153_018_976_267);
        assert_eq!(power(-1, 5_000_000_001).unwrap(), -1);
        assert_eq!(power(0, 5_000_000_001).unwrap(), 0);
        // Around, as NumPy's int64 goes.
        assert_eq!(power(2, 63).unwrap(), i64::MIN);
        assert_eq!(power(3, 40).unwrap(), 3_i64.wrapping_pow(40));
        let negative = power(2, -1).unwrap_err().to_string();
        assert!(negative.contains("integers to negative integer powers are not allowed (2 ** -1"));
    }
}
