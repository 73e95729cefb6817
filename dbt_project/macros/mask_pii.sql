{#
    Masking of personal data (个人信息去标识化) for every mart; only raw and staging hold it in clear.
    The string functions used (left, right, length, repeat, ||) exist with the same meaning, counted in
    characters, on DuckDB and PostgreSQL (UTF8 database), so one definition serves both. Each macro keeps
    null as null.
#}

{#- 13812341234 -> 138****1234; anything shorter than 8 characters is starred out whole. -#}
{% macro mask_phone(column) -%}
    case
        when {{ column }} is null then null
        when length({{ column }}) >= 8
            then left({{ column }}, 3) || '****' || right({{ column }}, 4)
        else repeat('*', length({{ column }}))
    end
{%- endmacro %}

{#- 11010519491231002X -> **************002X: only the last four characters (check digit included) stay. -#}
{% macro mask_id_card_no(column) -%}
    case
        when {{ column }} is null then null
        when length({{ column }}) > 4
            then repeat('*', length({{ column }}) - 4) || right({{ column }}, 4)
        else repeat('*', length({{ column }}))
    end
{%- endmacro %}

{#-
    张三 -> 张*, 李小明 -> 李**, 欧阳娜娜 -> 欧阳**: the surname stays, each character of the given name
    becomes *. A two-character compound surname (复姓) is kept whole when the name is longer than it;
    the list holds the compound surnames found in the national household register top 100.
-#}
{% macro mask_name(column) -%}
    {%- set compound_surnames = [
        '欧阳', '司马', '上官', '诸葛', '东方', '皇甫', '尉迟', '公孙', '慕容', '长孙', '宇文', '司徒',
        '夏侯', '轩辕', '令狐', '端木', '南宫', '西门', '独孤', '百里', '呼延', '澹台', '公冶', '申屠',
        '太史', '闻人', '万俟', '赫连', '钟离', '宗政', '濮阳', '淳于', '单于', '太叔', '仲孙', '司空'
    ] -%}
    case
        when {{ column }} is null then null
        when length({{ column }}) > 2 and left({{ column }}, 2) in (
            {%- for surname in compound_surnames %}'{{ surname }}'{{ ", " if not loop.last }}{% endfor -%}
        )
            then left({{ column }}, 2) || repeat('*', length({{ column }}) - 2)
        when length({{ column }}) > 1
            then left({{ column }}, 1) || repeat('*', length({{ column }}) - 1)
        else '*'
    end
{%- endmacro %}

{#- 北京市朝阳区建国路88号 -> 朝阳区****: the district (a column of its own) and nothing of the street. -#}
{% macro mask_address(address_column, district_column) -%}
    case
        when {{ address_column }} is null then null
        else coalesce({{ district_column }}, '') || '****'
    end
{%- endmacro %}
