-- What an agent sees when the customer calls: every earlier contact on every channel, newest last.

select
    customer_id,
    contact_seq,
    contact_id,
    contact_kind,
    contact_at,
    contact_date,
    channel,
    topic,
    topic_source,
    handled_by,
    answer_kind,
    identity_resolution,
    district,
    previous_contact_at,
    previous_channel,
    previous_topic,
    minutes_since_previous,
    previous_channel is not null and previous_channel <> channel as is_channel_changed,
    is_repeat_contact

from {{ ref('int_customer_contacts_sequenced') }}
