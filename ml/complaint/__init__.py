"""Complaint early warning (投诉预警): each customer's risk of filing a complaint in the next 30 days.

`ml.complaint.features` turns the marts' service history into one row per customer and as-of date;
`ml.complaint.train` fits and evaluates the model on a time split; `ml.complaint.predict` holds the fitted
model, its reasons in Chinese and the MLflow pyfunc; `ml.complaint.registry` registers it as `complaint_risk`.
"""
