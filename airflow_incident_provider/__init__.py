"""Apache Airflow provider for incidents at PagerDuty, Rootly, DevHelm, UptimeIO and Pinghome."""

__version__ = "0.1.0"
