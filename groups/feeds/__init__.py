"""Open data feeds: the Meeting Guide JSON feed and the Open Referral HSDS 3 export.

Both are streamed from the database in a fixed number of queries and validated by conditional GET
(an ETag and Last-Modified computed from one aggregate query over the published listings).
"""
