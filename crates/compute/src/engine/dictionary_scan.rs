//! Parquet scans that read a group-by's string keys as the dictionaries the file holds them in.
//!
//! Parquet writers (DuckDB, Arrow, Spark) store a string column of few distinct values as a
//! dictionary of the values and a small code for each row. DataFusion reads such a column as
//! strings, looking each row's value up and copying it, and a group-by then hashes every row's
//! string. Read as an Arrow dictionary, the column costs a code per row to decode, and
//! [`super::group_ids::GroupIds`] packs each value of the dictionary once. Only the first step
//! of a group-by ([`super::partial_aggregate::PartialAggregateExec`]) reads the dictionaries:
//! what it writes has the keys' own types.

use std::collections::HashMap;
use std::fs::File;
use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::common::Result;
use datafusion::datasource::physical_plan::parquet::metadata::CachedParquetMetaData;
use datafusion::datasource::physical_plan::{
    FileGroup, FileScanConfig, FileScanConfigBuilder, FileSource, ParquetSource,
};
use datafusion::datasource::source::DataSourceExec;
use datafusion::datasource::table_schema::TableSchema;
use datafusion::execution::cache::cache_manager::FileMetadataCache;
use datafusion::parquet::arrow::parquet_to_arrow_schema;
use datafusion::parquet::basic::Encoding;
use datafusion::parquet::file::metadata::{ParquetMetaData, ParquetMetaDataReader};
use datafusion::physical_expr::expressions::Column;
use datafusion::physical_expr::utils::collect_columns;
use datafusion::physical_plan::execution_plan::{ChildrenPropertiesMode, ReplaceChildrenOptions};
use datafusion::physical_plan::repartition::RepartitionExec;
use datafusion::physical_plan::{ExecutionPlan, Partitioning};
use object_store::ObjectMeta;
use object_store::local::LocalFileSystem;
use object_store::path::Path;

/// The type a dictionary-encoded string column is read as.
fn dictionary_type() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

fn is_string(field: &Field) -> bool {
    matches!(
        field.data_type(),
        DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8
    )
}

/// A scan reading some string columns as dictionaries.
#[derive(Debug)]
pub(crate) struct DictionaryScan {
    pub(crate) scan: Arc<dyn ExecutionPlan>,
    /// The columns read as dictionaries.
    pub(crate) columns: Vec<String>,
}

/// `input` reading those of the columns `keys` (indices into its output) it can as
/// dictionaries; `None` if it reads none so.
///
/// A column is read as a dictionary when `input` is a Parquet scan of local files with no
/// filter, limit or order (or such a scan's batches dealt out round-robin), the column is a
/// string column of the files (not of their paths), and every row group of every file holds
/// it dictionary-encoded, so that nothing is re-encoded on the way. The files' footers are
/// taken from `footers` (the session's cache) where they are there.
pub(crate) fn reading_dictionaries(
    input: &Arc<dyn ExecutionPlan>,
    keys: &[usize],
    footers: &FileMetadataCache,
) -> Result<Option<DictionaryScan>> {
    if let Some(repartition) = input.downcast_ref::<RepartitionExec>()
        && let Partitioning::RoundRobinBatch(_) = repartition.partitioning()
    {
        let Some(scan) = reading_dictionaries(repartition.input(), keys, footers)? else {
            return Ok(None);
        };
        return Ok(Some(DictionaryScan {
            scan: Arc::clone(input).replace_children(
                vec![scan.scan],
                ReplaceChildrenOptions::new(ChildrenPropertiesMode::Recompute),
            )?,
            columns: scan.columns,
        }));
    }
    let Some((config, source)) = input
        .downcast_ref::<DataSourceExec>()
        .and_then(|scan| scan.downcast_to_file_source::<ParquetSource>())
    else {
        return Ok(None);
    };
    let Some(projection) = source.projection() else {
        return Ok(None);
    };
    let table = source.table_schema();
    let plain = source.filter().is_none()
        && config.limit.is_none()
        && config.output_ordering.is_empty()
        && table.table_partition_cols().is_empty()
        && table.virtual_columns().is_empty()
        && config.object_store_url.as_str() == "file:///";
    if !plain {
        return Ok(None);
    }
    // The files' string columns the keys read, and that no other output of the scan reads.
    let file_schema = table.file_schema();
    let outputs: Vec<_> = projection.iter().collect();
    let read_elsewhere: Vec<usize> = (outputs.iter().enumerate())
        .filter(|(at, _)| !keys.contains(at))
        .flat_map(|(_, output)| collect_columns(&output.expr))
        .map(|column| column.index())
        .collect();
    let mut names: Vec<String> = keys
        .iter()
        .filter_map(|key| outputs.get(*key)?.expr.downcast_ref::<Column>())
        .filter(|column| !read_elsewhere.contains(&column.index()))
        .map(|column| file_schema.field(column.index()))
        .filter(|field| is_string(field))
        .map(|field| field.name().clone())
        .collect();
    names.sort();
    names.dedup();
    if names.is_empty() {
        return Ok(None);
    }
    // Each file is read with its own schema, its key columns made dictionaries; a column is
    // read so if every file holds it dictionary-encoded. Files scanned in several ranges are
    // looked at once.
    let mut file_schemas: HashMap<Path, Schema> = HashMap::new();
    for file in config.file_groups.iter().flat_map(FileGroup::iter) {
        let location = &file.object_meta.location;
        if file_schemas.contains_key(location) {
            continue;
        }
        // Unreadable here: the scan reports it as it would have.
        let Some((footer, schema)) = footer_of(&file.object_meta, footers) else {
            return Ok(None);
        };
        names.retain(|name| {
            let string = schema.field_with_name(name).is_ok_and(is_string);
            string && dictionary_encoded(&footer, name)
        });
        file_schemas.insert(location.clone(), schema);
    }
    if names.is_empty() {
        return Ok(None);
    }
    let file_schemas: HashMap<Path, SchemaRef> = (file_schemas.into_iter())
        .map(|(location, schema)| (location, with_dictionaries(&schema, &names)))
        .collect();
    let file_groups = (config.file_groups.iter())
        .map(|group| {
            let files = group.iter().map(|file| {
                let schema = &file_schemas[&file.object_meta.location];
                file.clone().with_arrow_schema(Arc::clone(schema))
            });
            FileGroup::new(files.collect())
        })
        .collect();
    let table = TableSchema::from(with_dictionaries(file_schema, &names));
    let source = ParquetSource::new(table)
        .with_table_parquet_options(source.table_parquet_options().clone())
        .try_pushdown_projection(projection)?;
    let Some(source) = source else {
        return Ok(None);
    };
    let config: FileScanConfig = FileScanConfigBuilder::from(config.clone())
        .with_source(source)
        .with_file_groups(file_groups)
        .build();
    Ok(Some(DictionaryScan {
        scan: DataSourceExec::from_data_source(config),
        columns: names,
    }))
}

/// The footer of the local file `file`, and the Arrow schema it reads as; `None` if it cannot
/// be read. DataFusion has read the footer as it planned the scan, and keeps it in `footers`
/// while the file is unchanged: the file is read here only if it is not there.
fn footer_of(
    file: &ObjectMeta,
    footers: &FileMetadataCache,
) -> Option<(Arc<ParquetMetaData>, Schema)> {
    let cached = (footers.get(&file.location))
        .filter(|entry| entry.is_valid_for(file))
        .and_then(|entry| {
            let footer = entry
                .file_metadata
                .as_any()
                .downcast_ref::<CachedParquetMetaData>()?;
            Some(Arc::clone(footer.parquet_metadata()))
        });
    let footer = match cached {
        Some(footer) => footer,
        None => {
            let path = LocalFileSystem::new()
                .path_to_filesystem(&file.location)
                .ok()?;
            let footer = ParquetMetaDataReader::new()
                .parse_and_finish(&File::open(path).ok()?)
                .ok()?;
            Arc::new(footer)
        }
    };
    let metadata = footer.file_metadata();
    let schema =
        parquet_to_arrow_schema(metadata.schema_descr(), metadata.key_value_metadata()).ok()?;
    Some((footer, schema))
}

/// Whether every row group of the file holds its top-level column `name` dictionary-encoded:
/// with a dictionary, and every data page encoded by it (when the file says how its pages are
/// encoded; a writer whose dictionary grows too large writes the column's next pages plain).
fn dictionary_encoded(footer: &ParquetMetaData, name: &str) -> bool {
    let columns = footer.file_metadata().schema_descr().columns();
    let Some(at) = columns.iter().position(|c| c.path().parts() == [name]) else {
        return false;
    };
    footer.row_groups().iter().all(|group| {
        let column = group.column(at);
        column.dictionary_page_offset().is_some()
            && column.page_encoding_stats_mask().is_none_or(|pages| {
                pages.is_only(Encoding::RLE_DICTIONARY) || pages.is_only(Encoding::PLAIN_DICTIONARY)
            })
    })
}

/// `schema` with its columns `names` of string type made dictionaries.
fn with_dictionaries(schema: &Schema, names: &[String]) -> SchemaRef {
    let fields: Vec<Field> = (schema.fields().iter())
        .map(|field| match names.contains(field.name()) {
            true => field.as_ref().clone().with_data_type(dictionary_type()),
            false => field.as_ref().clone(),
        })
        .collect();
    Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}
