-- The as-of date D of every "current" figure: the latest reading day loaded. Customer windows end on
-- D inclusive ([D-29, D], [D-89, D], [D-179, D]); open repair tickets are judged at the end of day D.
-- Taking D from the data, not the clock, makes a rebuild of the same raw data give the same marts.

with

readings as (

    select reading_date from {{ ref('stg_ami__meter_readings') }}

),

as_of as (

    select max(reading_date) as as_of_date from readings

)

select
    as_of_date,
    cast({{ date_offset('as_of_date', 1) }} as timestamp) as as_of_at

from as_of
