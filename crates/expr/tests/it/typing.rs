//! Datashapes and names of expressions, and canonical printing that parses back the same.

use crate::expr;

/// Each expression's canonical text, datashape and name.
pub(crate) const CORPUS: &[(&str, &str, &str, Option<&str>)] = &[
    // (text, canonical text, datashape, name)
    (
        "t",
        "t",
        "var * {name: string, amount: int32, id: int64}",
        Some("t"),
    ),
    ("t.amount", "t.amount", "var * int32", Some("amount")),
    ("t['amount']", "t.amount", "var * int32", Some("amount")),
    (
        "accounts['account id']",
        "accounts['account id']",
        "var * int32",
        Some("account id"),
    ),
    (
        "accounts['count']",
        "accounts['count']",
        "var * int64",
        Some("count"),
    ),
    (
        "t[['name', 'id']]",
        "t[['name', 'id']]",
        "var * {name: string, id: int64}",
        Some("t"),
    ),
    (
        "t[t.amount > 100]",
        "t[t.amount > 100]",
        "var * {name: string, amount: int32, id: int64}",
        Some("t"),
    ),
    (
        "t[t.amount > 100].name",
        "t[t.amount > 100].name",
        "var * string",
        Some("name"),
    ),
    (
        "t.name[t.amount > 100]",
        "t[t.amount > 100].name",
        "var * string",
        Some("name"),
    ),
    (
        "t[(t.amount > 100) & (t.id < 5)]",
        "t[(t.amount > 100) & (t.id < 5)]",
        "var * {name: string, amount: int32, id: int64}",
        Some("t"),
    ),
    (
        "t.amount + 1",
        "t.amount + 1",
        "var * int64",
        Some("amount"),
    ),
    (
        "1 + t.amount",
        "1 + t.amount",
        "var * int64",
        Some("amount"),
    ),
    ("t.amount + t.id", "t.amount + t.id", "var * int64", None),
    (
        "t.amount / 2",
        "t.amount / 2",
        "var * float64",
        Some("amount"),
    ),
    (
        "t.amount // 2",
        "t.amount // 2",
        "var * int64",
        Some("amount"),
    ),
    (
        "(t.amount + 1) * 2",
        "(t.amount + 1) * 2",
        "var * int64",
        Some("amount"),
    ),
    (
        "t.amount - (t.id - 1)",
        "t.amount - (t.id - 1)",
        "var * int64",
        None,
    ),
    (
        "t.amount - t.id - 1",
        "t.amount - t.id - 1",
        "var * int64",
        None,
    ),
    ("-t.amount", "-t.amount", "var * int32", Some("amount")),
    (
        "-(t.amount + 1)",
        "-(t.amount + 1)",
        "var * int64",
        Some("amount"),
    ),
    (
        "t.amount ** 2 ** 3",
        "t.amount ** 2 ** 3",
        "var * int64",
        Some("amount"),
    ),
    (
        "(t.amount ** 2) ** 3",
        "(t.amount ** 2) ** 3",
        "var * int64",
        Some("amount"),
    ),
    (
        "t.amount * -1",
        "t.amount * -1",
        "var * int64",
        Some("amount"),
    ),
    (
        "t.amount == 1",
        "t.amount == 1",
        "var * bool",
        Some("amount"),
    ),
    (
        "~(t.amount > 1)",
        "~(t.amount > 1)",
        "var * bool",
        Some("amount"),
    ),
    ("t.name + '!'", "t.name + '!'", "var * string", Some("name")),
    (
        "t.amount.sum()",
        "t.amount.sum()",
        "int64",
        Some("amount_sum"),
    ),
    (
        "sum(t.amount)",
        "t.amount.sum()",
        "int64",
        Some("amount_sum"),
    ),
    (
        "t.amount.mean()",
        "t.amount.mean()",
        "float64",
        Some("amount_mean"),
    ),
    (
        "t.amount.var(unbiased=True)",
        "t.amount.var(unbiased=True)",
        "float64",
        Some("amount_var"),
    ),
    (
        "t.amount.std()",
        "t.amount.std()",
        "float64",
        Some("amount_std"),
    ),
    (
        "t.amount.min()",
        "t.amount.min()",
        "int32",
        Some("amount_min"),
    ),
    ("t.name.max()", "t.name.max()", "string", Some("name_max")),
    ("t.count()", "t.count()", "int32", Some("t_count")),
    ("t.nrows", "t.nelements()", "int32", Some("t_nelements")),
    (
        "t.name.nunique()",
        "t.name.nunique()",
        "int32",
        Some("name_nunique"),
    ),
    (
        "(t.amount > 150).any()",
        "(t.amount > 150).any()",
        "bool",
        Some("amount_any"),
    ),
    (
        "t.amount.sum() + 1",
        "t.amount.sum() + 1",
        "int64",
        Some("amount_sum"),
    ),
    (
        "t.amount.max() - t.amount.min()",
        "t.amount.max() - t.amount.min()",
        "int32",
        None,
    ),
    (
        "(t.amount * 2).label('double')",
        "(t.amount * 2).label('double')",
        "var * int64",
        Some("double"),
    ),
    (
        "t.relabel(amount='balance')",
        "t.relabel(amount='balance')",
        "var * {name: string, balance: int32, id: int64}",
        Some("t"),
    ),
    (
        "accounts.relabel({'account id': 'id'})",
        "accounts.relabel({'account id': 'id'})",
        "var * {name: string, balance: float64, id: int32, count: int64}",
        Some("accounts"),
    ),
    (
        "t.head(5)",
        "t.head(5)",
        "5 * {name: string, amount: int32, id: int64}",
        Some("t"),
    ),
    (
        "t.head()",
        "t.head(10)",
        "10 * {name: string, amount: int32, id: int64}",
        Some("t"),
    ),
    (
        "t.amount.tail(3)",
        "t.amount.tail(3)",
        "3 * int32",
        Some("amount"),
    ),
    (
        "t[2:7]",
        "t[2:7]",
        "5 * {name: string, amount: int32, id: int64}",
        Some("t"),
    ),
    (
        "t[2:7:2]",
        "t[2:7:2]",
        "3 * {name: string, amount: int32, id: int64}",
        Some("t"),
    ),
    (
        "t[-3:]",
        "t[-3:]",
        "var * {name: string, amount: int32, id: int64}",
        Some("t"),
    ),
    ("x[::-1]", "x[::-1]", "10 * int32", Some("x")),
    (
        "t[[2, 0, 2, -1]]",
        "t[[2, 0, 2, -1]]",
        "4 * {name: string, amount: int32, id: int64}",
        Some("t"),
    ),
    (
        "t.amount[[1,0]]",
        "t.amount[[1, 0]]",
        "2 * int32",
        Some("amount"),
    ),
    ("x[[9, -10]]", "x[[9, -10]]", "2 * int32", Some("x")),
    ("x[[]]", "x[[]]", "0 * int32", Some("x")),
    ("x[-3:]", "x[-3:]", "3 * int32", Some("x")),
    (
        "t[0]",
        "t[0]",
        "{name: string, amount: int32, id: int64}",
        Some("t"),
    ),
    (
        "t.sort('amount')",
        "t.sort('amount')",
        "var * {name: string, amount: int32, id: int64}",
        Some("t"),
    ),
    (
        "t.sort(t.amount)",
        "t.sort('amount')",
        "var * {name: string, amount: int32, id: int64}",
        Some("t"),
    ),
    (
        "t.sort(['name', 'amount'], ascending=False)",
        "t.sort(['name', 'amount'], ascending=False)",
        "var * {name: string, amount: int32, id: int64}",
        Some("t"),
    ),
    (
        "t.sort(-t.amount)",
        "t.sort(-t.amount)",
        "var * {name: string, amount: int32, id: int64}",
        Some("t"),
    ),
    (
        "t.amount.sort()",
        "t.amount.sort()",
        "var * int32",
        Some("amount"),
    ),
    (
        "t.distinct()",
        "t.distinct()",
        "var * {name: string, amount: int32, id: int64}",
        Some("t"),
    ),
    (
        "t.name.distinct()",
        "t.name.distinct()",
        "var * string",
        Some("name"),
    ),
    (
        "t.sort('name').distinct('name')",
        "t.sort('name').distinct('name')",
        "var * {name: string, amount: int32, id: int64}",
        Some("t"),
    ),
    (
        "by(t.name, total=t.amount.sum())",
        "by(t.name, total=t.amount.sum())",
        "var * {name: string, total: int64}",
        Some("t"),
    ),
    (
        "by(t.name, n=t.id.count(), avg=t.amount.mean())",
        "by(t.name, n=t.id.count(), avg=t.amount.mean())",
        "var * {name: string, n: int32, avg: float64}",
        Some("t"),
    ),
    (
        "by(t[['name', 'id']], total=t.amount.sum() + t.id.sum() - 1)",
        "by(t[['name', 'id']], total=t.amount.sum() + t.id.sum() - 1)",
        "var * {name: string, id: int64, total: int64}",
        Some("t"),
    ),
    (
        "by(t[t.amount > 0].name, m=t[t.amount > 0].amount.max())",
        "by(t[t.amount > 0].name, m=t[t.amount > 0].amount.max())",
        "var * {name: string, m: int32}",
        Some("t"),
    ),
    (
        "summary(total=t.amount.sum(), n=t.id.count())",
        "summary(total=t.amount.sum(), n=t.id.count())",
        "{total: int64, n: int32}",
        Some("t"),
    ),
    (
        "t.name.count_values()",
        "by(t.name, count=t.name.count()).sort('count', ascending=False)",
        "var * {name: string, count: int32}",
        Some("t"),
    ),
    (
        "t.id.isin([1, 2, 3])",
        "t.id.isin([1, 2, 3])",
        "var * bool",
        Some("id"),
    ),
    (
        "t.name.isin(cities[cities.city == 'Paris'].name)",
        "t.name.isin(cities[cities.city == 'Paris'].name)",
        "var * bool",
        Some("name"),
    ),
    (
        "t[~t.id.isin(t2.id)].name",
        "t[~t.id.isin(t2.id)].name",
        "var * string",
        Some("name"),
    ),
    (
        "t[t.name.like('Al*')]",
        "t[t.name.like('Al*')]",
        "var * {name: string, amount: int32, id: int64}",
        Some("t"),
    ),
    (
        "'amount: %.2f' % t.amount",
        "'amount: %.2f' % t.amount",
        "var * string",
        Some("amount"),
    ),
    ("t.name * 2", "t.name * 2", "var * string", Some("name")),
    (
        "t[t.name.str.like('Al*')]",
        "t[t.name.like('Al*')]",
        "var * {name: string, amount: int32, id: int64}",
        Some("t"),
    ),
    (
        "t.amount.coerce('float64')",
        "t.amount.coerce('float64')",
        "var * float64",
        Some("amount"),
    ),
    // A missing value stays missing.
    (
        "events.value.coerce('int64')",
        "events.value.coerce('int64')",
        "var * ?int64",
        Some("value"),
    ),
    (
        "abs(t.amount)",
        "abs(t.amount)",
        "var * int32",
        Some("amount"),
    ),
    (
        "sqrt(t.amount)",
        "sqrt(t.amount)",
        "var * float64",
        Some("amount"),
    ),
    (
        "t.amount.utcfromtimestamp",
        "t.amount.utcfromtimestamp",
        "var * datetime",
        Some("amount"),
    ),
    (
        "t.drop_field('amount')",
        "t[['name', 'id']]",
        "var * {name: string, id: int64}",
        Some("t"),
    ),
    (
        "distinct(t, 'name')",
        "t.distinct('name')",
        "var * {name: string, amount: int32, id: int64}",
        Some("t"),
    ),
    (
        "t.amount.vnorm()",
        "(t.amount ** 2.0).sum() ** 0.5",
        "float64",
        Some("amount_sum"),
    ),
    (
        "t.amount.vnorm(ord='inf')",
        "abs(t.amount).max()",
        "int32",
        Some("amount_max"),
    ),
    ("t.nunique()", "t.nunique()", "int32", Some("t_nunique")),
    (
        "atan2(t.amount, t.id)",
        "atan2(t.amount, t.id)",
        "var * float64",
        None,
    ),
    (
        "hypot(t.amount, 2)",
        "hypot(t.amount, 2)",
        "var * float64",
        Some("amount"),
    ),
    (
        "greatest(t.amount, t.id)",
        "greatest(t.amount, t.id)",
        "var * int64",
        None,
    ),
    (
        "least(t.name, 'B')",
        "least(t.name, 'B')",
        "var * string",
        Some("name"),
    ),
    (
        "floor(accounts.balance)",
        "floor(accounts.balance)",
        "var * int64",
        Some("balance"),
    ),
    (
        "t.name.str.upper()",
        "t.name.str.upper()",
        "var * string",
        Some("name"),
    ),
    (
        "t.name.str.len()",
        "t.name.str.len()",
        "var * int64",
        Some("name"),
    ),
    (
        "t.name.str.capitalize()",
        "t.name.str.capitalize()",
        "var * string",
        Some("name"),
    ),
    (
        "t.name.str.isdigit()",
        "t.name.str.isdigit()",
        "var * bool",
        Some("name"),
    ),
    (
        "events.kind.str.istitle()",
        "events.kind.str.istitle()",
        "var * ?bool",
        Some("kind"),
    ),
    (
        "t.name.str.find('ce')",
        "t.name.str.find('ce')",
        "var * int64",
        Some("name"),
    ),
    (
        "events.kind.str.find(sub='x')",
        "events.kind.str.find('x')",
        "var * ?int64",
        Some("kind"),
    ),
    (
        "t.name.str.replace('o', 'x', 1)",
        "t.name.str.replace('o', 'x', 1)",
        "var * string",
        Some("name"),
    ),
    (
        "t.name.str.replace('o', 'x', -1)",
        "t.name.str.replace('o', 'x')",
        "var * string",
        Some("name"),
    ),
    (
        "t.name.str.pad(10)",
        "t.name.str.pad(10)",
        "var * string",
        Some("name"),
    ),
    (
        "t.name.str.pad(10, side='right', fillchar='-')",
        "t.name.str.pad(10, 'right', '-')",
        "var * string",
        Some("name"),
    ),
    (
        "t.name.str.pad(10, 'both')",
        "t.name.str.pad(10, 'both')",
        "var * string",
        Some("name"),
    ),
    (
        "t.name.str[1:3]",
        "t.name.str[1:3]",
        "var * string",
        Some("name"),
    ),
    (
        "t.name.str[-1]",
        "t.name.str[-1]",
        "var * ?string",
        Some("name"),
    ),
    (
        "t.name.str.slice_replace(1, 3, 'x')",
        "t.name.str.slice_replace(1, 3, 'x')",
        "var * string",
        Some("name"),
    ),
    (
        "t.name.str.slice_replace(stop=2)",
        "t.name.str.slice_replace(None, 2, '')",
        "var * string",
        Some("name"),
    ),
    (
        "cities.name.str.cat(cities.city, sep=' -- ')",
        "cities.name.str.cat(cities.city, sep=' -- ')",
        "var * ?string",
        Some("name"),
    ),
    (
        "t.name.str.cat(t.name)",
        "t.name.str.cat(t.name)",
        "var * string",
        Some("name"),
    ),
    (
        "events.when.dt.year()",
        "events.when.year",
        "var * int32",
        Some("when_year"),
    ),
    (
        "events.when.dt.dayofweek()",
        "events.when.dt.weekday()",
        "var * int64",
        Some("when_weekday"),
    ),
    (
        "events.day.dt.weekofyear()",
        "events.day.dt.week()",
        "var * int64",
        Some("day_week"),
    ),
    (
        "events.day.dt.is_month_end()",
        "events.day.dt.is_month_end()",
        "var * bool",
        Some("day_is_month_end"),
    ),
    (
        "events.when.dt.weekday_name()",
        "events.when.dt.weekday_name()",
        "var * string",
        Some("when_weekday_name"),
    ),
    (
        "(events.when - events.when.min()).dt.total_seconds()",
        "(events.when - events.when.min()).dt.total_seconds()",
        "var * int64",
        Some("total_seconds"),
    ),
    (
        "(events.when.max() - events.when).dt.days()",
        "(events.when.max() - events.when).dt.days()",
        "var * int64",
        Some("days"),
    ),
    (
        "events.when.dt.strftime('%Y-%m')",
        "events.when.dt.strftime('%Y-%m')",
        "var * string",
        Some("when"),
    ),
    (
        "events.when.dt.floor('10T')",
        "events.when.dt.floor('10min')",
        "var * datetime",
        Some("when"),
    ),
    (
        "events.when.dt.round(freq='90s')",
        "events.when.dt.round('90s')",
        "var * datetime",
        Some("when"),
    ),
    (
        "events.when.truncate(10, 'minutes')",
        "events.when.truncate(10, 'minute')",
        "var * datetime",
        Some("when"),
    ),
    (
        "events.when.truncate(weeks=2)",
        "events.when.truncate(2, 'week')",
        "var * date",
        Some("when"),
    ),
    (
        "events.day.dt.truncate(1, 'y')",
        "events.day.truncate(1, 'year')",
        "var * date",
        Some("day"),
    ),
    (
        "t.amount.truncate(200)",
        "t.amount // 200 * 200",
        "var * int64",
        Some("amount"),
    ),
    (
        "t.amount.map('abs')",
        "abs(t.amount)",
        "var * int32",
        Some("amount"),
    ),
    (
        "t.amount.map('sqrt', 'float64', name='root')",
        "sqrt(t.amount).label('root')",
        "var * float64",
        Some("root"),
    ),
    (
        "t.name.map('upper')",
        "t.name.str.upper()",
        "var * string",
        Some("name"),
    ),
    (
        "t.amount.apply('sum')",
        "t.amount.sum()",
        "int64",
        Some("amount_sum"),
    ),
    (
        "t[::2]",
        "t[::2]",
        "var * {name: string, amount: int32, id: int64}",
        Some("t"),
    ),
    (
        "t.amount[::-1]",
        "t.amount[::-1]",
        "var * int32",
        Some("amount"),
    ),
    ("m.T", "m.T", "4 * 3 * float64", Some("m")),
    ("m.ndim", "2", "int64", None),
    ("m[m > 0]", "m[m > 0]", "var * float64", Some("m")),
    (
        "m[m[:, 0] > 0]",
        "m[m[:, 0] > 0]",
        "var * 4 * float64",
        Some("m"),
    ),
    ("c.ndim * 2", "3 * 2", "int64", None),
    ("m[1:3, ::2]", "m[1:3, ::2]", "2 * 2 * float64", Some("m")),
    ("c[0, 1:]", "c[0, 1:]", "2 * 2 * int32", Some("c")),
    ("m[-1, 2]", "m[-1, 2]", "float64", Some("m")),
    (
        "m[1:3, [3,0,3]]",
        "m[1:3, [3, 0, 3]]",
        "2 * 3 * float64",
        Some("m"),
    ),
    ("m[[2, 0], -1]", "m[[2, 0], -1]", "2 * float64", Some("m")),
    (
        "m[None, :, [1]]",
        "m[None, :, [1]]",
        "1 * 3 * 1 * float64",
        Some("m"),
    ),
    (
        "m[None, 1:3, None]",
        "m[None, 1:3, None]",
        "1 * 2 * 1 * 4 * float64",
        Some("m"),
    ),
    ("m[(0,)]", "m[0]", "4 * float64", Some("m")),
    (
        "m[:2, ::-1].T",
        "m[:2, ::-1].T",
        "4 * 2 * float64",
        Some("m"),
    ),
    ("m.transpose()", "m.T", "4 * 3 * float64", Some("m")),
    (
        "transpose(c, (1, 0, 2))",
        "c.transpose((1, 0, 2))",
        "3 * 4 * 2 * int32",
        Some("c"),
    ),
    (
        "c.transpose((2, 1, 0))",
        "c.T",
        "2 * 3 * 4 * int32",
        Some("c"),
    ),
    ("m.dot(m.T)", "m.dot(m.T)", "3 * 3 * float64", Some("m")),
    ("m.T.dot(m)", "m.T.dot(m)", "4 * 4 * float64", Some("m")),
    ("x.dot(x)", "x.dot(x)", "int64", Some("x")),
    (
        "dot(m.T, c)",
        "m.T.dot(c)",
        "4 * 4 * 2 * float64",
        Some("m"),
    ),
    (
        "tensordot(c, m, axes=((1,), (0,)))",
        "tensordot(c, m, axes=((1,), (0,)))",
        "4 * 2 * 4 * float64",
        Some("c"),
    ),
    (
        "tensordot(m, c, axes=1)",
        "tensordot(m, c, axes=((1,), (0,)))",
        "3 * 3 * 2 * float64",
        Some("m"),
    ),
    (
        "m.sum(axis=0)",
        "m.sum(axis=0)",
        "4 * float64",
        Some("m_sum"),
    ),
    (
        "m.sum(axis=-1)",
        "m.sum(axis=1)",
        "3 * float64",
        Some("m_sum"),
    ),
    ("m.sum(axis=(0, 1))", "m.sum()", "float64", Some("m_sum")),
    // Reductions numpy has and Blaze did not: a product, and positions.
    (
        "c.prod(axis=2)",
        "c.prod(axis=2)",
        "4 * 3 * int64",
        Some("c_prod"),
    ),
    (
        "m.argmax(axis=0)",
        "m.argmax(axis=0)",
        "4 * int64",
        Some("m_argmax"),
    ),
    ("m.argmin()", "m.argmin()", "int64", Some("m_argmin")),
    ("argmin(x)", "x.argmin()", "int64", Some("x_argmin")),
    (
        "m.cumsum(axis=1)",
        "m.cumsum(axis=1)",
        "3 * 4 * float64",
        Some("m"),
    ),
    ("m.cumsum()", "m.cumsum()", "12 * float64", Some("m")),
    ("c.cumprod()", "c.cumprod()", "24 * int64", Some("c")),
    (
        "c.cumprod(axis=-1)",
        "c.cumprod(axis=2)",
        "4 * 3 * 2 * int64",
        Some("c"),
    ),
    (
        "c.max(axis=(0, 2))",
        "c.max(axis=(0, 2))",
        "3 * int32",
        Some("c_max"),
    ),
    (
        "c.mean(axis=1, keepdims=True)",
        "c.mean(axis=1, keepdims=True)",
        "4 * 1 * 2 * float64",
        Some("c_mean"),
    ),
    (
        "m.std(axis=0, unbiased=True)",
        "m.std(unbiased=True, axis=0)",
        "4 * float64",
        Some("m_std"),
    ),
    (
        "m.sum(keepdims=True)",
        "m.sum(keepdims=True)",
        "1 * 1 * float64",
        Some("m_sum"),
    ),
    (
        "t.amount.sum(keepdims=True)",
        "t.amount.sum(keepdims=True)",
        "1 * int64",
        Some("amount_sum"),
    ),
    (
        "t.amount.sum(axis=0)",
        "t.amount.sum()",
        "int64",
        Some("amount_sum"),
    ),
    ("(m + 1).T", "(m + 1).T", "4 * 3 * float64", Some("m")),
    // Arrays broadcast as numpy's do.
    (
        "m[1:, 1:] - m[:-1, :-1]",
        "m[1:, 1:] - m[:-1, :-1]",
        "2 * 3 * float64",
        Some("m"),
    ),
    (
        "m - m.mean(axis=0)",
        "m - m.mean(axis=0)",
        "3 * 4 * float64",
        None,
    ),
    (
        "m[:, None] * m[0]",
        "m[:, None] * m[0]",
        "3 * 1 * 4 * float64",
        Some("m"),
    ),
    (
        "c.sum(axis=2, keepdims=True) + c[0, :, 0]",
        "c.sum(axis=2, keepdims=True) + c[0, :, 0]",
        "4 * 3 * 3 * int64",
        None,
    ),
    (
        "events.when.minute",
        "events.when.minute",
        "var * int64",
        Some("when_minute"),
    ),
    (
        "events.when.year",
        "events.when.year",
        "var * int32",
        Some("when_year"),
    ),
    (
        "events.when.second",
        "events.when.second",
        "var * float64",
        Some("when_second"),
    ),
    (
        "events.when.date",
        "events.when.date",
        "var * date",
        Some("when_date"),
    ),
    (
        "events.day.month",
        "events.day.month",
        "var * int64",
        Some("day_month"),
    ),
    (
        "events[events.when >= '2012-01-02']",
        "events[events.when >= '2012-01-02']",
        "var * {when: datetime, day: date, kind: ?string, value: ?float64, ok: ?bool}",
        Some("events"),
    ),
    (
        "events.when - events.when",
        "events.when - events.when",
        "var * timedelta[unit='us']",
        Some("when"),
    ),
    (
        "events.value + 1",
        "events.value + 1",
        "var * ?float64",
        Some("value"),
    ),
    (
        "events.value > 1",
        "events.value > 1",
        "var * ?bool",
        Some("value"),
    ),
    (
        "events.value.sum()",
        "events.value.sum()",
        "?float64",
        Some("value_sum"),
    ),
    (
        "events.value.count()",
        "events.value.count()",
        "int32",
        Some("value_count"),
    ),
    (
        "events.kind.isnull()",
        "events.kind.isnull()",
        "var * bool",
        Some("kind"),
    ),
    (
        "events[events.kind.notnull()].kind.str.lower()",
        "events[events.kind.notnull()].kind.str.lower()",
        "var * ?string",
        Some("kind"),
    ),
    ("events.ok.all()", "events.ok.all()", "bool", Some("ok_all")),
    (
        "t.name == 'it''s'",
        "t.name == 'its'",
        "var * bool",
        Some("name"),
    ),
    (
        "t.name == \"it's\"",
        "t.name == 'it\\'s'",
        "var * bool",
        Some("name"),
    ),
    (
        "t.amount > 1.5",
        "t.amount > 1.5",
        "var * bool",
        Some("amount"),
    ),
    (
        "t.amount * 2.0",
        "t.amount * 2.0",
        "var * float64",
        Some("amount"),
    ),
    ("x.sum()", "x.sum()", "int64", Some("x_sum")),
    // Joins: keys first, then the left's columns, then the right's; suffixes on clashes;
    // the columns of a side whose rows may be unmatched become optional.
    (
        "join(t, cities, 'name')",
        "join(t, cities, 'name')",
        "var * {name: string, amount_left: int32, id: int64, city: ?string, amount_right: float64}",
        None,
    ),
    (
        "join(t, cities)",
        "join(t, cities, ['name', 'amount'])",
        "var * {name: string, amount: float64, id: int64, city: ?string}",
        None,
    ),
    (
        "join(t, cities, 'name', how='left', suffixes=('', '_c'))",
        "join(t, cities, 'name', how='left', suffixes=('', '_c'))",
        "var * {name: string, amount: int32, id: int64, city: ?string, amount_c: ?float64}",
        None,
    ),
    (
        "join(t[['id', 'amount']], accounts, 'id', 'account id', how='outer')",
        "join(t[['id', 'amount']], accounts, 'id', 'account id', how='outer')",
        "var * {id: int64, amount: ?int32, name: ?string, balance: ?float64, count: ?int64}",
        None,
    ),
    (
        "join(t, cities, 'name').city",
        "join(t, cities, 'name').city",
        "var * ?string",
        Some("city"),
    ),
    (
        "concat(t, t2)",
        "concat(t, t2)",
        "var * {name: string, amount: int64, id: int64}",
        Some("t"),
    ),
    (
        "concat(t.id, t.amount)",
        "concat(t.id, t.amount)",
        "var * int64",
        Some("id"),
    ),
    // Merge and transform keep the order written.
    (
        "merge(t.name, z=t.amount + t.id, a=t.id)",
        "merge(t.name, z=t.amount + t.id, a=t.id)",
        "var * {name: string, z: int64, a: int64}",
        Some("t"),
    ),
    // A column transform replaces moves to the new ones, as in Blaze.
    (
        "transform(t, amount=t.amount * 2, double=t.id * 2)",
        "merge(t.name, t.id, amount=t.amount * 2, double=t.id * 2)",
        "var * {name: string, id: int64, amount: int64, double: int64}",
        Some("t"),
    ),
    (
        "transform(t, replace=True, z=t.id, amount=t.amount * 2)",
        "merge(t.name, t.id, z=t.id, amount=t.amount * 2)",
        "var * {name: string, id: int64, z: int64, amount: int64}",
        Some("t"),
    ),
    (
        "transform(t, z=t.id + 1)[t.id > 3]",
        "merge(t[t.id > 3].name, t[t.id > 3].amount, t[t.id > 3].id, z=t[t.id > 3].id + 1)",
        "var * {name: string, amount: int32, id: int64, z: int64}",
        Some("t"),
    ),
    (
        "coalesce(events.value, 0.0)",
        "coalesce(events.value, 0.0)",
        "var * float64",
        Some("value"),
    ),
    (
        "events.kind.coalesce(events.kind.str.upper())",
        "coalesce(events.kind, events.kind.str.upper())",
        "var * ?string",
        Some("kind"),
    ),
    (
        "t.amount.cast('?int32')",
        "t.amount.cast('?int32')",
        "var * ?int32",
        Some("amount"),
    ),
    (
        "t.sample(n=2)",
        "t.sample(n=2)",
        "var * {name: string, amount: int32, id: int64}",
        Some("t"),
    ),
    (
        "t.id.sample(frac=0.5)",
        "t.id.sample(frac=0.5)",
        "var * int64",
        Some("id"),
    ),
    // Window functions: in row order, within groups.
    (
        "t.amount.shift()",
        "t.amount.shift(1)",
        "var * ?int32",
        Some("amount"),
    ),
    (
        "t.amount.shift(0)",
        "t.amount.shift(0)",
        "var * int32",
        Some("amount"),
    ),
    (
        "t.amount - t.amount.shift(-1)",
        "t.amount - t.amount.shift(-1)",
        "var * ?int32",
        Some("amount"),
    ),
    (
        "t.amount.cumsum(by=t.name)",
        "t.amount.cumsum(by=t.name)",
        "var * int64",
        Some("amount"),
    ),
    (
        "events.value.cummax()",
        "events.value.cummax()",
        "var * ?float64",
        Some("value"),
    ),
    (
        "t.amount.rank(ascending=False, method='first', by=[t.name, t.id])",
        "t.amount.rank(ascending=False, method='first', by=[t.name, t.id])",
        "var * int64",
        Some("amount"),
    ),
    (
        "t[t.amount.rank(by=t.name) <= 2]",
        "t[t.amount.rank(by=t.name) <= 2]",
        "var * {name: string, amount: int32, id: int64}",
        Some("t"),
    ),
    (
        "t.amount.median()",
        "t.amount.median()",
        "float64",
        Some("amount_median"),
    ),
    (
        "events.value.quantile(0.9)",
        "events.value.quantile(0.9)",
        "?float64",
        Some("value_quantile"),
    ),
    (
        "by(t.name, m=t.amount.median(), q=t.amount.quantile(q=0.25))",
        "by(t.name, m=t.amount.median(), q=t.amount.quantile(0.25))",
        "var * {name: string, m: float64, q: float64}",
        Some("t"),
    ),
    ("x[x > 5]", "x[x > 5]", "var * int32", Some("x")),
];

#[test]
fn datashapes_names_and_canonical_text() {
    for (text, canonical, dshape, name) in CORPUS {
        let e = expr(text);
        assert_eq!(e.to_string(), *canonical, "printing {text}");
        let expected = blaze_datashape::parse(dshape).unwrap_or_else(|e| panic!("{dshape}: {e}"));
        assert_eq!(e.dshape(), &expected, "datashape of {text}: {}", e.dshape());
        assert_eq!(e.name(), *name, "name of {text}");
        let again = expr(&e.to_string());
        assert_eq!(
            again, e,
            "{text} printed as {e} parses back to something else"
        );
    }
}

#[test]
fn fields_and_leaves() {
    let e = expr("by(t.name, total=t.amount.sum())");
    assert_eq!(e.fields(), vec!["name", "total"]);
    let leaves: Vec<String> = e.leaves().iter().map(|l| l.to_string()).collect();
    assert_eq!(leaves, vec!["t"]);
}

#[test]
fn blazes_functions_are_its_methods_with_the_receiver_first() {
    for (function, method) in [
        ("head(t, 5)", "t.head(5)"),
        ("head(t)", "t.head()"),
        ("tail(t.amount, n=3)", "t.amount.tail(3)"),
        (
            "sort(t, 'amount', ascending=False)",
            "t.sort('amount', ascending=False)",
        ),
        ("sample(t, frac=0.5)", "t.sample(frac=0.5)"),
        ("shift(t.amount, n=1)", "t.amount.shift(1)"),
        ("lag(t.amount, 2)", "t.amount.shift(2)"),
        ("t.amount.lag()", "t.amount.shift(1)"),
        ("t.amount.lead(by=t.name)", "t.amount.shift(-1, by=t.name)"),
        ("lead(t.amount, n=3)", "t.amount.shift(-3)"),
        ("isin(t.id, [1, 2])", "t.id.isin([1, 2])"),
        ("like(t.name, 'A*')", "t.name.like('A*')"),
        (
            "cast(events.value, 'float64')",
            "events.value.cast('float64')",
        ),
        (
            "coerce(t.amount, to='float64')",
            "t.amount.coerce('float64')",
        ),
        (
            "relabel(t, amount='balance')",
            "t.relabel(amount='balance')",
        ),
        ("drop_field(t, 'id')", "t.drop_field('id')"),
        (
            "apply(t.amount, 'sum', 'int64')",
            "t.amount.apply('sum', 'int64')",
        ),
        ("count_values(t.name)", "t.name.count_values()"),
        ("nrows(t)", "t.nrows"),
        ("nrows(m)", "m.nrows"),
        ("vnorm(m, ord=1, axis=0)", "m.vnorm(ord=1, axis=0)"),
        ("notnull(events.kind)", "events.kind.notnull()"),
        ("isnull(events.kind)", "events.kind.isnull()"),
        ("str_len(t.name)", "t.name.str.len()"),
        ("str_upper(t.name)", "t.name.str.upper()"),
        ("str_lower(t.name)", "t.name.str.lower()"),
        ("selection(t, t.amount > 100)", "t[t.amount > 100]"),
        ("projection(t, ['name', 'id'])", "t[['name', 'id']]"),
        ("projection(t, 'name')", "t[['name']]"),
        (
            "by(t.name, summary(n=t.id.count(), total=t.amount.sum()))",
            "by(t.name, n=t.id.count(), total=t.amount.sum())",
        ),
    ] {
        assert_eq!(expr(function), expr(method), "{function}");
    }
}

#[test]
fn a_tables_fields_named_as_array_reductions_stay_reachable() {
    let mut names = blaze_expr::Namespace::new();
    let shape = blaze_datashape::parse("var * {prod: string, argmax: int64}").unwrap();
    names.bind("p", blaze_expr::symbol("p", shape));
    let field = blaze_expr::parse("p.prod", &names).unwrap();
    assert_eq!(field.dshape().to_string(), "var * string");
    // A column's method, still (computed over n-d arrays only).
    let reduced = blaze_expr::parse("p.argmax.argmax()", &names).unwrap();
    assert_eq!(reduced.dshape().to_string(), "int64");
}
