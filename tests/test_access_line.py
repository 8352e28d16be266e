"""``baocao serve``'s access log: the same line as gunicorn's, built from only the fields it prints."""
import datetime
import logging

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger

from core.wsgi_server import AccessLogger


class Response:
    status, sent = "200 OK", 512
    headers = [("Content-Type", "application/json"), ("X-Trace", "abc")]


ENVIRON = {"REMOTE_ADDR": "10.0.0.7", "REQUEST_METHOD": "PATCH", "RAW_URI": "/api/v1/report/12/values?x=1",
           "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_USER_AGENT": "Mozilla/5.0 (Windows NT 6.1)",
           "HTTP_AUTHORIZATION": "Bearer eyJ.x.y", "PATH_INFO": "/api/v1/report/12/values", "QUERY_STRING": "x=1"}


def line(logger_class, log_format=None, environ=ENVIRON):
    config = Config()
    config.set("accesslog", "-")
    if log_format:
        config.set("access_log_format", log_format)
    logger = logger_class(config)
    logger.now = lambda: "[06/Dec/2026:09:00:00 +0700]"
    written = []
    handler = logging.Handler()
    handler.emit = lambda record: written.append(record.getMessage())
    logger.access_log.handlers = [handler]
    logger.access(Response(), [("User-Agent", "Mozilla/5.0 (Windows NT 6.1)")], environ,
                  datetime.timedelta(microseconds=3400))
    return written


@pytest.mark.parametrize("environ", [ENVIRON, {**ENVIRON, "HTTP_REFERER": "https://baocao.example/reports/"},
                                     {**ENVIRON, "HTTP_AUTHORIZATION": "Basic dXNlcjpwYXNz"}])
def test_the_default_line_is_gunicorns_own(environ):
    ours = line(AccessLogger, environ=environ)
    assert ours == line(Logger, environ=environ)
    assert ours[0].startswith('10.0.0.7 - ') and '"PATCH /api/v1/report/12/values?x=1 HTTP/1.1" 200 512' in ours[0]


@pytest.mark.parametrize("log_format", ['%(h)s "%(r)s" %(s)s %(L)s %(p)s', '%(h)s %({x-trace}o)s %({user-agent}i)s'])
def test_a_format_with_other_fields_still_gets_them(log_format):
    """Fields beyond the combined log's (a header, the request time, the pid): gunicorn's full set."""
    assert line(AccessLogger, log_format) == line(Logger, log_format)
    assert "-" not in line(AccessLogger, log_format)[0].split()[1:]
