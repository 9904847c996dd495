package dev.hpa.adapter.config;

import io.quarkus.logging.LoggingFilter;
import java.util.logging.Filter;
import java.util.logging.LogRecord;
import org.jboss.logging.Logger;
import org.jboss.logmanager.ExtLogRecord;

/**
 * Turns Quarkus's "Failed to start application" record, a stack trace of 40 lines with the useful sentence at its
 * end, into what a person needs: one line per {@link StartupProblem}, saying what failed and what to grant or set.
 * The stack trace stays available with {@code quarkus.log.category."dev.hpa.adapter".level=DEBUG}.
 */
@LoggingFilter(name = StartupProblemFilter.NAME)
public final class StartupProblemFilter implements Filter {

    public static final String NAME = "startup-problems";
    private static final Logger ADAPTER_LOG = Logger.getLogger("dev.hpa.adapter");

    @Override
    public boolean isLoggable(LogRecord record) {
        StartupProblem problem = record.getThrown() == null ? null : find(record.getThrown());
        if (problem == null) {
            return true;
        }
        String text = "The adapter cannot start:\n  " + String.join("\n  ", problem.problems());
        if (record instanceof ExtLogRecord ext) {
            ext.setMessage(text, ExtLogRecord.FormatStyle.NO_FORMAT);
        } else {
            record.setMessage(text);
            record.setParameters(null);
        }
        if (!ADAPTER_LOG.isDebugEnabled()) {
            record.setThrown(null);
        }
        return true;
    }

    private static StartupProblem find(Throwable thrown) {
        for (Throwable t = thrown; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof StartupProblem problem) {
                return problem;
            }
        }
        return null;
    }
}
