# mutant of stops_answer: treats the cut into records sent in two segments as a cut into records
# only
def stops(reassemble, read_records, cut):
    """Whether an SNI rule stops a client that cuts its hello this way (None, 'segments',
    'records' or 'both'), given how the censor reads."""
    segments = cut == "segments"
    records = cut in ("records", "both")
    if segments and not reassemble:
        return False  # no single segment holds the name
    if records and read_records == "first":
        return False  # the first record does not hold the name
    return True
