"""The term report (学期总结): the counts the seeds report, with charts drawn on the server, against last term."""
