package dev.hpa.adapter.auth;

import java.util.List;
import java.util.Map;

/**
 * Who is calling, as kube-apiserver's user.Info: name, uid, groups (always including system:authenticated for an
 * authenticated caller) and extra attributes.
 */
public record Caller(String user, String uid, List<String> groups, Map<String, List<String>> extra) {

    public static final String AUTHENTICATED = "system:authenticated";
    public static final String MASTERS = "system:masters";

    /** Anyone who brought no credentials: authorization decides what they may see. */
    public static final Caller ANONYMOUS =
            new Caller("system:anonymous", "", List.of("system:unauthenticated"), Map.of());

    /** Members of system:masters are allowed everything without a SubjectAccessReview, as in kube-apiserver. */
    public boolean isMaster() {
        return groups.contains(MASTERS);
    }
}
