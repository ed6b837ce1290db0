//! `map_blocks`: a user's function applied to every block.

use std::sync::Arc;

use crate::array::{BlockFn, Op};
use crate::error::shape_text;
use crate::lower::{Lower, Value, key};
use crate::{Array, Block, DType, Error, Result};

impl Array {
    /// `func` applied to every block; each result must have the block's shape and `dtype`
    /// (checked when it runs). `name` names the tasks.
    pub fn map_blocks(
        &self,
        name: &str,
        dtype: DType,
        func: impl Fn(&Block) -> Result<Block, blaze_tasks::BoxError> + Send + Sync + 'static,
    ) -> Array {
        let func: BlockFn = Arc::new(func);
        Array::from_op(
            dtype,
            self.chunks().clone(),
            Op::MapBlocks {
                input: self.clone(),
                func,
                name: name.to_string(),
            },
        )
    }
}

pub(crate) fn lower(
    lower: &mut Lower,
    array: &Array,
    name: &Arc<str>,
    input: &Array,
    func: &BlockFn,
) -> Result<()> {
    let source = lower.array(input)?;
    let dtype = array.dtype();
    for out in array.chunks().indices() {
        let func = Arc::clone(func);
        let shape = array.chunks().block_shape(&out);
        lower.graph.insert_task(key(name, &out), [key(&source, &out)], move |v| {
            let result = func(v[0].block()?)?;
            if result.shape() != shape.as_slice() || result.dtype() != dtype {
                return Err(Error::Shape(format!(
                    "map_blocks: the function returned a block of shape {} and type {} where {} {} was expected",
                    shape_text(result.shape()),
                    result.dtype(),
                    shape_text(&shape),
                    dtype
                ))
                .into());
            }
            Ok(Value::Block(result))
        });
    }
    Ok(())
}
