package dev.hpa.adapter.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.hpa.adapter.config.ConfigCheckTest;
import dev.hpa.adapter.config.KubernetesAccess;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The shipped manifests, rendered with {@code kubectl kustomize} exactly as {@code kubectl apply -k} would apply
 * them, agree with the code: RBAC grants every call in {@link KubernetesAccess#REQUIRED} (and those of self-managed
 * certificates only where they are on), the APIServices pass the aggregator's validation and point at a real Service
 * port, {@code manifests/} installs with no prerequisite, and the Deployment's image, command, ports, probes,
 * certificate paths and security settings match what the adapter is built as, listens on and reads.
 */
class ManifestsTest {

    static final String NAMESPACE = "kserve-autoscaling";
    static final String NAME = "hpa-metrics-adapter";
    static final String SERVICE_DNS = NAME + "." + NAMESPACE + ".svc";
    static final String GROUP = "custom.metrics.k8s.io";

    /** The install: {@code kubectl apply -k manifests/}, and the release's install.yaml. */
    static final String INSTALL = "manifests";
    static final String SELF_SIGNED = "manifests/overlays/self-signed";
    static final String CERT_MANAGER = "manifests/overlays/cert-manager";
    static final String WITH_METRICS_API = "manifests/overlays/metrics-api";
    static final String WITH_PROMETHEUS = "manifests/overlays/prometheus";
    /** The opt-in metrics.k8s.io registration: its own directory, so that apiservice/ never applies it. */
    static final String METRICS_API = "apiservice/metrics-api";
    /** Kustomize directories that install the adapter (each has the Deployment and its RBAC). */
    static final List<String> INSTALLS = new ArrayList<>(List.of(INSTALL, CERT_MANAGER, WITH_METRICS_API,
            WITH_PROMETHEUS));
    /** Kustomize directories that hold APIServices. */
    static final List<String> WITH_APISERVICES = new ArrayList<>(List.of("apiservice", INSTALL, CERT_MANAGER,
            WITH_METRICS_API, WITH_PROMETHEUS));

    /**
     * Roles a cluster has built in, so the manifests bind them by name without shipping them; their rules as
     * kube-apiserver's bootstrap policy defines them (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go),
     * only the rules that matter here. Key: "ClusterRole/name" or "Role/namespace/name".
     */
    static final Map<String, List<PolicyRule>> BUILT_IN_ROLES = Map.of(
            "ClusterRole/system:auth-delegator", List.of(
                    rule("authentication.k8s.io", "tokenreviews", List.of(), "create"),
                    rule("authorization.k8s.io", "subjectaccessreviews", List.of(), "create")),
            "Role/kube-system/extension-apiserver-authentication-reader", List.of(
                    rule("", "configmaps", List.of("extension-apiserver-authentication"), "get", "list", "watch")));

    static Path root;
    static final Map<String, List<HasMetadata>> renders = new LinkedHashMap<>();

    @BeforeAll
    static void render() throws Exception {
        if (!onPath("kubectl")) {
            return; // every test is skipped, with the reason, by kubectlOnPath()
        }
        root = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
        for (String dir : List.of(INSTALL, "manifests/base", CERT_MANAGER, WITH_METRICS_API, WITH_PROMETHEUS,
                "apiservice", METRICS_API)) {
            renders.put(dir, kustomize(root, dir));
        }
        // Optional: needs the overlay, and openssl for its make-certs.sh.
        if (Files.exists(root.resolve(SELF_SIGNED).resolve("kustomization.yaml")) && onPath("openssl") && onPath("bash")) {
            renders.put(SELF_SIGNED, renderSelfSigned(root));
            INSTALLS.add(SELF_SIGNED);
            WITH_APISERVICES.add(SELF_SIGNED);
        }
    }

    /**
     * The self-signed overlay reads generated/, which make-certs.sh writes and git ignores: run the script on a copy
     * of manifests/ and apiservice/ in a temporary directory, so the check never depends on (or touches) a
     * generated/ in the working tree.
     */
    static List<HasMetadata> renderSelfSigned(Path root) throws IOException, InterruptedException {
        Path copy = Files.createTempDirectory("manifests-");
        try {
            for (String dir : List.of("manifests", "apiservice")) {
                try (Stream<Path> files = Files.walk(root.resolve(dir))) {
                    for (Path f : files.filter(f -> !f.toString().contains("/generated")).toList()) {
                        Path to = copy.resolve(root.relativize(f).toString());
                        if (Files.isDirectory(f)) {
                            Files.createDirectories(to);
                        } else {
                            Files.copy(f, to);
                        }
                    }
                }
            }
            run(copy, "make-certs.sh", "bash", SELF_SIGNED + "/make-certs.sh", SELF_SIGNED + "/generated");
            return kustomize(copy, SELF_SIGNED);
        } finally {
            try (Stream<Path> files = Files.walk(copy)) {
                for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    /** Per test rather than in @BeforeAll, so that surefire reports each test as skipped, with this reason. */
    @BeforeEach
    void kubectlOnPath() {
        Assumptions.assumeTrue(onPath("kubectl"),
                "kubectl not on PATH: install it (e.g. Debian's kubernetes-client, or google-cloud-cli's) to check the manifests");
    }

    static Stream<String> installs() {
        return INSTALLS.stream();
    }

    static Stream<String> withApiServices() {
        return WITH_APISERVICES.stream();
    }

    // ---------------------------------------------------------------------------------------------- RBAC

    @ParameterizedTest(name = "{0}")
    @MethodSource("installs")
    void rbacGrantsEveryApiCallTheAdapterMakes(String dir) {
        List<HasMetadata> objects = renders.get(dir);
        List<String> missing = new ArrayList<>();
        List<String> unknownRoles = new ArrayList<>();
        List<Grant> grants = adapterGrants(objects, unknownRoles);
        for (KubernetesAccess access : requiredAccess(deployment(objects))) {
            List<String> verbs = access.verbs().stream()
                    .filter(verb -> grants.stream().noneMatch(g -> g.allows(access, verb))).toList();
            if (!verbs.isEmpty()) {
                missing.add(verbs + " " + access.describe() + " is not granted to ServiceAccount " + NAMESPACE + "/" + NAME + ": "
                        + (access.resource().equals("secrets") || access.resource().equals("apiservices")
                                ? "add it to manifests/components/self-managed-certificates/rbac.yaml (or, for"
                                        + " metrics.k8s.io, manifests/overlays/metrics-api/rbac.yaml)"
                                : access.namespace() == null
                                ? "add the rule to ClusterRole " + NAME + " in manifests/base/rbac.yaml"
                                : "bind a Role in namespace " + access.namespace() + " that grants it, with a RoleBinding"
                                        + " in that namespace (manifests/base/rbac-auth-delegation.yaml)"));
            }
        }
        assertTrue(missing.isEmpty(), dir + ": RBAC does not grant what the code calls:\n  " + String.join("\n  ", missing)
                + (unknownRoles.isEmpty() ? "" : "\n  " + String.join("\n  ", unknownRoles)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("installs")
    void rbacGrantsNothingDangerous(String dir) {
        List<HasMetadata> objects = renders.get(dir);
        List<String> problems = new ArrayList<>();
        for (HasMetadata o : objects) {
            List<PolicyRule> rules = o instanceof ClusterRole c ? c.getRules() : o instanceof Role r ? r.getRules() : null;
            for (PolicyRule rule : rules == null ? List.<PolicyRule>of() : rules) {
                List<String> resources = nonNull(rule.getResources());
                if (resources.contains("nodes/proxy") || resources.contains("nodes/*")
                        || (resources.contains("*") && covers(rule.getApiGroups(), ""))) {
                    problems.add(o.getKind() + " " + o.getMetadata().getName() + " grants nodes/proxy (" + resources
                            + "): that is a kubelet exec/port-forward for every pod; use nodes/metrics or nodes/stats");
                }
            }
        }
        for (Grant g : adapterGrants(objects, new ArrayList<>())) {
            if (g.builtIn()) {
                continue;
            }
            if (nonNull(g.rule().getVerbs()).contains("*") || nonNull(g.rule().getResources()).contains("*")
                    || nonNull(g.rule().getApiGroups()).contains("*")) {
                problems.add(g.source() + " gives the adapter a '*' rule " + describe(g.rule())
                        + ": list the verbs and resources of KubernetesAccess.REQUIRED instead");
            }
        }
        assertTrue(problems.isEmpty(), dir + ":\n  " + String.join("\n  ", problems));
    }

    /** The calls the adapter makes as this Deployment configures it. */
    static List<KubernetesAccess> requiredAccess(Deployment deployment) {
        List<KubernetesAccess> required = new ArrayList<>(KubernetesAccess.REQUIRED);
        if (selfManaged(deployment)) {
            required.addAll(KubernetesAccess.SELF_MANAGED_CERTIFICATES);
            if (enabled(deployment, "ADAPTER_METRICS_API_ENABLED")) {
                required.addAll(KubernetesAccess.SELF_MANAGED_METRICS_API);
            }
        }
        return required;
    }

    @Test
    void thePrometheusOverlayReadsFromAnEngineAndScrapesNothing() {
        Container c = adapterContainer(deployment(renders.get(WITH_PROMETHEUS)));
        assertEquals(Optional.of("prometheus"), env(c, "ADAPTER_SOURCE"));
        assertTrue(env(c, "ADAPTER_PROMETHEUS_URL").orElse("").matches("https?://.+"), "an engine URL");
        assertEquals(env(adapterContainer(deployment(renders.get(INSTALL))), "ADAPTER_TLS_SELF_MANAGED_ENABLED"),
                env(c, "ADAPTER_TLS_SELF_MANAGED_ENABLED"), "the default install's certificates");
    }

    static boolean selfManaged(Deployment deployment) {
        return enabled(deployment, "ADAPTER_TLS_SELF_MANAGED_ENABLED");
    }

    static boolean enabled(Deployment deployment, String env) {
        return env(adapterContainer(deployment), env).map(Boolean::parseBoolean).orElse(false);
    }

    /**
     * Secrets and APIServices are the adapter's most sensitive grants: each rule on them names the objects (only
     * {@code create} cannot), Secrets only in the adapter's namespace, and an install with self-managed certificates
     * off grants none at all (the adapter then never touches them).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("installs")
    void secretsAndApiServicesOnlyByNameAndOnlyWhenSelfManaged(String dir) {
        List<HasMetadata> objects = renders.get(dir);
        boolean selfManaged = selfManaged(deployment(objects));
        List<KubernetesAccess> needed = requiredAccess(deployment(objects));
        List<String> problems = new ArrayList<>();
        for (Grant g : adapterGrants(objects, new ArrayList<>())) {
            for (String resource : List.of("secrets", "apiservices")) {
                if (!covers(g.rule().getResources(), resource)) {
                    continue;
                }
                String what = g.source() + " grants " + describe(g.rule());
                if (!selfManaged) {
                    problems.add(what + ", but this install does not turn on self-managed certificates"
                            + " (ADAPTER_TLS_SELF_MANAGED_ENABLED), so the adapter never calls it: remove it");
                    continue;
                }
                if (resource.equals("secrets") && g.namespace() == null) {
                    problems.add(what + " in every namespace: use a Role in " + NAMESPACE);
                }
                List<String> names = nonNull(g.rule().getResourceNames());
                boolean createOnly = List.of("create").equals(nonNull(g.rule().getVerbs()));
                List<String> allowedNames = needed.stream().filter(a -> a.resource().equals(resource))
                        .map(KubernetesAccess::resourceName).filter(Objects::nonNull).toList();
                if (!createOnly && (names.isEmpty() || !allowedNames.containsAll(names))) {
                    problems.add(what + ": limit it with resourceNames to " + allowedNames + " (has " + names + ")");
                }
            }
        }
        assertNoProblems(dir, problems);
    }

    /**
     * {@code kubectl apply -k manifests/} is the whole install: nothing it needs comes from elsewhere (no cert-manager
     * kinds, no Secret a script makes, no mounted certificate), and the Secret the adapter writes is the one its Role
     * names.
     */
    @Test
    void theInstallNeedsNothingElse() {
        List<HasMetadata> objects = renders.get(INSTALL);
        List<String> problems = new ArrayList<>();
        Deployment deployment = deployment(objects);
        Container c = adapterContainer(deployment);
        expect(problems, selfManaged(deployment), "Deployment: set env ADAPTER_TLS_SELF_MANAGED_ENABLED=true"
                + " (manifests/components/self-managed-certificates), or nothing makes the serving certificate");
        for (HasMetadata o : objects) {
            expect(problems, !o.getApiVersion().startsWith("cert-manager.io/"), o.getKind() + " "
                    + o.getMetadata().getName() + " needs cert-manager: that belongs in " + CERT_MANAGER);
            expect(problems, !(o instanceof Secret), "Secret " + o.getMetadata().getName()
                    + ": the install must not ship a Secret; the adapter makes its certificate itself");
        }
        expect(problems, objects.stream().anyMatch(o -> "Namespace".equals(o.getKind())
                && NAMESPACE.equals(o.getMetadata().getName())), "the install must create Namespace " + NAMESPACE);
        for (String file : List.of("ADAPTER_TLS_CERT_FILE", "ADAPTER_TLS_KEY_FILE")) {
            expect(problems, env(c, file).isEmpty(), "Deployment: " + file + " contradicts self-managed certificates"
                    + " (the adapter refuses to start with both)");
        }
        expect(problems, nonNull(deployment.getSpec().getTemplate().getSpec().getVolumes()).stream()
                .noneMatch(v -> v.getSecret() != null), "Deployment: mounts a Secret volume; the install must not"
                + " depend on a Secret it does not create");
        String secret = env(c, "ADAPTER_TLS_SELF_MANAGED_SECRET_NAME")
                .orElse(ConfigCheckTest.config(Map.of()).tls().selfManaged().secretName());
        expect(problems, KubernetesAccess.SELF_MANAGED_CERTIFICATES.stream().anyMatch(a -> secret.equals(a.resourceName())),
                "the adapter writes Secret " + secret + " (adapter.tls.self-managed.secret-name), which"
                        + " KubernetesAccess.SELF_MANAGED_CERTIFICATES (and so the Role) does not name");
        assertNoProblems(INSTALL, problems);
    }

    /** One rule bound to the adapter's ServiceAccount, with where it applies (null = every namespace). */
    record Grant(PolicyRule rule, String namespace, String source, boolean builtIn) {
        boolean allows(KubernetesAccess a, String verb) {
            if (namespace != null && !namespace.equals(a.namespace())) {
                return false;
            }
            List<String> names = nonNull(rule.getResourceNames());
            return covers(rule.getApiGroups(), a.apiGroup()) && covers(rule.getResources(), a.resource())
                    && covers(rule.getVerbs(), verb)
                    && (names.isEmpty() || (a.resourceName() != null && names.contains(a.resourceName())));
        }
    }

    /** The rules bound to the adapter's ServiceAccount; bindings to roles neither shipped nor built in go to unknown. */
    static List<Grant> adapterGrants(List<HasMetadata> objects, List<String> unknown) {
        List<Grant> grants = new ArrayList<>();
        for (HasMetadata o : objects) {
            RoleRef ref;
            List<Subject> subjects;
            String scope;
            if (o instanceof ClusterRoleBinding b) {
                ref = b.getRoleRef();
                subjects = b.getSubjects();
                scope = null;
            } else if (o instanceof RoleBinding b) {
                ref = b.getRoleRef();
                subjects = b.getSubjects();
                scope = Objects.requireNonNullElse(b.getMetadata().getNamespace(), "default");
            } else {
                continue;
            }
            if (nonNull(subjects).stream().noneMatch(ManifestsTest::isAdapter)) {
                continue;
            }
            String binding = o.getKind() + " " + (scope == null ? "" : scope + "/") + o.getMetadata().getName();
            String key = "ClusterRole".equals(ref.getKind()) ? "ClusterRole/" + ref.getName()
                    : "Role/" + scope + "/" + ref.getName();
            String source = binding + " -> " + key;
            Optional<List<PolicyRule>> shipped = objects.stream()
                    .filter(r -> key.equals(roleKey(r)))
                    .findFirst()
                    .map(r -> r instanceof ClusterRole c ? nonNull(c.getRules()) : nonNull(((Role) r).getRules()));
            List<PolicyRule> rules;
            boolean builtIn = false;
            if (shipped.isPresent()) {
                rules = shipped.get();
            } else if (BUILT_IN_ROLES.containsKey(key)) {
                rules = BUILT_IN_ROLES.get(key);
                builtIn = true;
            } else {
                unknown.add("(" + binding + " binds " + key + ", which is neither in the manifests nor a role clusters have"
                        + " built in (BUILT_IN_ROLES): ship the role, or fix the roleRef or the binding's namespace)");
                continue;
            }
            for (PolicyRule rule : rules) {
                grants.add(new Grant(rule, scope, source, builtIn));
            }
        }
        return grants;
    }

    static String roleKey(HasMetadata o) {
        if (o instanceof ClusterRole) {
            return "ClusterRole/" + o.getMetadata().getName();
        }
        if (o instanceof Role) {
            return "Role/" + o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
        }
        return null;
    }

    static boolean isAdapter(Subject s) {
        return "ServiceAccount".equals(s.getKind()) && NAME.equals(s.getName()) && NAMESPACE.equals(s.getNamespace());
    }

    static boolean covers(List<String> values, String wanted) {
        return nonNull(values).contains(wanted) || nonNull(values).contains("*");
    }

    static PolicyRule rule(String group, String resource, List<String> names, String... verbs) {
        return new PolicyRuleBuilder().withApiGroups(group).withResources(resource).withResourceNames(names)
                .withVerbs(verbs).build();
    }

    static String describe(PolicyRule r) {
        return "{apiGroups: " + r.getApiGroups() + ", resources: " + r.getResources() + ", verbs: " + r.getVerbs() + "}";
    }

    // ---------------------------------------------------------------------------------------------- APIServices

    @ParameterizedTest(name = "{0}")
    @MethodSource("withApiServices")
    void apiServicesPassValidationAndPointAtTheServicePort(String dir) {
        List<GenericKubernetesResource> apiServices = apiServices(renders.get(dir)).stream()
                .filter(a -> !"metrics.k8s.io".equals(a.get("spec", "group"))) // overlays/metrics-api adds it
                .toList();
        assertEquals(List.of("v1beta1." + GROUP, "v1beta2." + GROUP),
                apiServices.stream().map(a -> a.getMetadata().getName()).sorted().toList(),
                dir + ": expected the APIServices v1beta2 and v1beta1 of " + GROUP);
        Service service = service(renders.get("manifests/base"));
        List<String> problems = new ArrayList<>();
        Map<String, Long> versionPriority = new LinkedHashMap<>();
        for (GenericKubernetesResource a : apiServices) {
            String name = a.getMetadata().getName();
            String what = "APIService " + name;
            String group = a.get("spec", "group");
            String version = a.get("spec", "version");
            expect(problems, name.equals(version + "." + group), what + ": metadata.name must be <spec.version>.<spec.group>"
                    + " (" + version + "." + group + "), or validation rejects it");
            expect(problems, GROUP.equals(group), what + ": spec.group = " + group + ", must be " + GROUP);
            long groupPriority = number(a.get("spec", "groupPriorityMinimum"));
            expect(problems, groupPriority > 0 && groupPriority <= 20000,
                    what + ": spec.groupPriorityMinimum = " + groupPriority + ", must be in (0, 20000]");
            long priority = number(a.get("spec", "versionPriority"));
            expect(problems, priority > 0 && priority < 1000,
                    what + ": spec.versionPriority = " + priority + ", must be in (0, 1000)");
            versionPriority.put(version, priority);
            Object insecure = a.get("spec", "insecureSkipTLSVerify");
            expect(problems, !"true".equals(String.valueOf(insecure)),
                    what + ": remove spec.insecureSkipTLSVerify; the kube-apiserver must verify the adapter with caBundle");
            expect(problems, NAMESPACE.equals(a.get("spec", "service", "namespace"))
                    && NAME.equals(a.get("spec", "service", "name")),
                    what + ": spec.service must be " + NAMESPACE + "/" + NAME);
            Object portValue = a.get("spec", "service", "port");
            long port = portValue == null ? 443 : number(portValue);
            expect(problems, service.getSpec().getPorts().stream().anyMatch(p -> p.getPort() == port),
                    what + ": spec.service.port " + port + " is not a port of Service " + NAMESPACE + "/" + NAME
                            + " (the APIService would report ServicePortError); use 443, the Service's https port");
        }
        expect(problems, versionPriority.getOrDefault("v1beta2", 0L) > versionPriority.getOrDefault("v1beta1", 0L),
                "v1beta2's versionPriority (" + versionPriority.get("v1beta2") + ") must be above v1beta1's ("
                        + versionPriority.get("v1beta1") + ") so that v1beta2 is the preferred version the HPA uses");
        assertNoProblems(dir, problems);
    }

    @Test
    void theMetricsApiRegistrationIsOptInAndValid() {
        assertTrue(apiServices(renders.get("apiservice")).stream()
                        .noneMatch(a -> "metrics.k8s.io".equals(a.get("spec", "group"))),
                "apiservice/ must not register metrics.k8s.io: that replaces metrics-server, only on purpose");
        List<GenericKubernetesResource> apiServices = apiServices(renders.get(METRICS_API));
        assertEquals(List.of("v1beta1.metrics.k8s.io"), apiServices.stream().map(a -> a.getMetadata().getName()).toList(),
                METRICS_API + ": expected the one APIService v1beta1.metrics.k8s.io");
        GenericKubernetesResource a = apiServices.get(0);
        List<String> problems = new ArrayList<>();
        expect(problems, "metrics.k8s.io".equals(a.get("spec", "group")) && "v1beta1".equals(a.get("spec", "version")),
                "spec.group/version must be metrics.k8s.io/v1beta1");
        expect(problems, !"true".equals(String.valueOf((Object) a.get("spec", "insecureSkipTLSVerify"))),
                "remove spec.insecureSkipTLSVerify; the kube-apiserver must verify the adapter with caBundle");
        expect(problems, NAMESPACE.equals(a.get("spec", "service", "namespace"))
                && NAME.equals(a.get("spec", "service", "name")), "spec.service must be " + NAMESPACE + "/" + NAME);
        Object port = a.get("spec", "service", "port");
        expect(problems, port == null || number(port) == 443, "spec.service.port must be 443, the Service's https port");
        expect(problems, number(a.get("spec", "groupPriorityMinimum")) > 0 && number(a.get("spec", "versionPriority")) > 0,
                "priorities must be positive");
        boolean readers = renders.get(METRICS_API).stream().filter(ClusterRole.class::isInstance).map(ClusterRole.class::cast)
                .anyMatch(r -> r.getRules().stream().anyMatch(rule -> rule.getApiGroups().contains("metrics.k8s.io")
                        && rule.getResources().containsAll(List.of("pods", "nodes"))
                        && rule.getVerbs().containsAll(List.of("get", "list"))));
        expect(problems, readers, "a ClusterRole must let viewers get/list metrics.k8s.io pods and nodes (kubectl top)");
        assertNoProblems(METRICS_API, problems);
    }

    @Test
    void certManagerInjectsTheCaOfTheCertificateThePodsMount() {
        String dir = CERT_MANAGER;
        List<HasMetadata> objects = renders.get(dir);
        List<String> problems = new ArrayList<>();
        String secret = servingCertSecret(deployment(objects), problems);
        for (GenericKubernetesResource a : apiServices(objects)) {
            String what = "APIService " + a.getMetadata().getName();
            String from = a.getMetadata().getAnnotations() == null ? null
                    : a.getMetadata().getAnnotations().get("cert-manager.io/inject-ca-from");
            if (from == null || !from.contains("/")) {
                problems.add(what + ": needs the annotation cert-manager.io/inject-ca-from: <namespace>/<Certificate>,"
                        + " or caBundle stays empty; has " + from);
                continue;
            }
            String[] ref = from.split("/", 2);
            Optional<GenericKubernetesResource> certificate = objects.stream()
                    .filter(o -> o instanceof GenericKubernetesResource && "Certificate".equals(o.getKind())
                            && o.getApiVersion().startsWith("cert-manager.io/")
                            && ref[0].equals(o.getMetadata().getNamespace()) && ref[1].equals(o.getMetadata().getName()))
                    .map(GenericKubernetesResource.class::cast)
                    .findFirst();
            if (certificate.isEmpty()) {
                problems.add(what + ": cert-manager.io/inject-ca-from names Certificate " + from
                        + ", which is not in the overlay; point it at the serving Certificate");
                continue;
            }
            String secretName = certificate.get().get("spec", "secretName");
            expect(problems, secret == null || secret.equals(secretName), what + ": Certificate " + from + " writes Secret "
                    + secretName + ", but the Deployment mounts its serving certificate from Secret " + secret
                    + ": make them the same, or caBundle will not be the CA of the certificate the pods serve");
            List<?> dnsNames = certificate.get().get("spec", "dnsNames");
            expect(problems, dnsNames != null && dnsNames.contains(SERVICE_DNS), what + ": Certificate " + from
                    + " must list " + SERVICE_DNS + " in spec.dnsNames (the kube-apiserver dials that name); has "
                    + dnsNames);
        }
        assertNoProblems(dir, problems);
    }

    @Test
    void selfSignedCaBundleTrustsTheCertificateThePodsMount() throws Exception {
        Assumptions.assumeTrue(renders.containsKey(SELF_SIGNED), SELF_SIGNED + " not rendered (absent, or no openssl)");
        List<HasMetadata> objects = renders.get(SELF_SIGNED);
        List<String> problems = new ArrayList<>();
        String secretName = servingCertSecret(deployment(objects), problems);
        if (secretName == null) {
            assertNoProblems(SELF_SIGNED, problems);
        }
        Optional<Secret> secret = objects.stream().filter(Secret.class::isInstance).map(Secret.class::cast)
                .filter(x -> NAMESPACE.equals(x.getMetadata().getNamespace()) && x.getMetadata().getName().equals(secretName))
                .findFirst();
        if (secret.isEmpty() || secret.get().getData() == null || !secret.get().getData().containsKey("tls.crt")
                || !secret.get().getData().containsKey("tls.key")) {
            problems.add("the overlay must contain Secret " + NAMESPACE + "/" + secretName
                    + " with tls.crt and tls.key, the Secret the Deployment mounts");
            assertNoProblems(SELF_SIGNED, problems);
        }
        CertificateFactory x509 = CertificateFactory.getInstance("X.509");
        X509Certificate leaf = (X509Certificate) x509.generateCertificate(
                new ByteArrayInputStream(Base64.getDecoder().decode(secret.get().getData().get("tls.crt"))));
        List<String> sans = nonNull(leaf.getSubjectAlternativeNames() == null ? null
                : leaf.getSubjectAlternativeNames().stream().filter(n -> Integer.valueOf(2).equals(n.get(0)))
                        .map(n -> String.valueOf(n.get(1))).toList());
        expect(problems, sans.contains(SERVICE_DNS), "Secret " + secretName + ": tls.crt must have the DNS SAN "
                + SERVICE_DNS + " (the kube-apiserver dials that name); has " + sans);
        for (GenericKubernetesResource a : apiServices(objects)) {
            String what = "APIService " + a.getMetadata().getName();
            String caBundle = a.get("spec", "caBundle");
            if (caBundle == null || caBundle.isBlank()) {
                problems.add(what + ": spec.caBundle is empty; patch in the CA that signed tls.crt");
                continue;
            }
            boolean trusted = x509.generateCertificates(new ByteArrayInputStream(Base64.getDecoder().decode(caBundle)))
                    .stream().anyMatch(ca -> {
                        try {
                            leaf.verify(ca.getPublicKey());
                            return true;
                        } catch (Exception e) {
                            return false;
                        }
                    });
            expect(problems, trusted, what + ": spec.caBundle holds no CA that signed tls.crt of Secret " + secretName
                    + ": the kube-apiserver would fail its discovery check (x509: certificate signed by unknown authority)");
        }
        assertNoProblems(SELF_SIGNED, problems);
    }

    // ---------------------------------------------------------------------------------------------- Deployment

    @ParameterizedTest(name = "{0}")
    @MethodSource("installs")
    void deploymentMatchesTheAdapterConfiguration(String dir) throws IOException {
        List<HasMetadata> objects = renders.get(dir);
        int securePort = ConfigCheckTest.config(Map.of()).securePort();
        int managementPort = Integer.parseInt(applicationProperties().getProperty("quarkus.management.port"));
        Deployment deployment = deployment(objects);
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        Container c = adapterContainer(deployment);
        List<String> problems = new ArrayList<>();

        expect(problems, NAME.equals(pod.getServiceAccountName()), "Deployment: serviceAccountName must be " + NAME
                + ", the ServiceAccount the RBAC is bound to; is " + pod.getServiceAccountName());
        Integer https = containerPort(c, "https");
        expect(problems, Objects.equals(securePort, https), "Deployment: container port 'https' must be " + securePort
                + ", the default of adapter.secure-port (AdapterConfig.securePort); is " + https);
        env(c, "ADAPTER_SECURE_PORT").ifPresent(v -> expect(problems, v.equals(String.valueOf(https)),
                "Deployment: env ADAPTER_SECURE_PORT = " + v + " must equal the 'https' container port " + https));
        Integer metrics = containerPort(c, "metrics");
        expect(problems, Objects.equals(managementPort, metrics), "Deployment: container port 'metrics' must be "
                + managementPort + ", quarkus.management.port in application.properties; is " + metrics);

        checkProbe(problems, "startupProbe", c.getStartupProbe(), "/livez", c, securePort, true);
        checkProbe(problems, "livenessProbe", c.getLivenessProbe(), "/livez", c, securePort, false);
        checkProbe(problems, "readinessProbe", c.getReadinessProbe(), "/readyz", c, securePort, false);

        if (!selfManaged(deployment)) {
            servingCertSecret(deployment, problems);
        }
        expect(problems, "system-cluster-critical".equals(pod.getPriorityClassName()), "Deployment: set"
                + " priorityClassName: system-cluster-critical; an unavailable APIService breaks discovery cluster-wide,"
                + " so the adapter must not be preempted; is " + pod.getPriorityClassName());

        Service service = service(objects);
        Optional<ServicePort> port443 = service.getSpec().getPorts().stream().filter(p -> p.getPort() == 443).findFirst();
        expect(problems, port443.isPresent(), "Service: needs port 443, the one the APIServices use");
        port443.ifPresent(p -> expect(problems, Objects.equals(securePort, resolve(p.getTargetPort(), c)),
                "Service: port 443 must target the container's " + securePort + " (targetPort: https); targets "
                        + p.getTargetPort()));
        Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
        expect(problems, selects(service.getSpec().getSelector(), podLabels), "Service: selector "
                + service.getSpec().getSelector() + " must match the pod template labels " + podLabels);

        Integer replicas = deployment.getSpec().getReplicas();
        expect(problems, replicas != null && replicas >= 2, "Deployment: replicas = " + replicas + ", must be at least 2:"
                + " with no ready replica the APIService is unavailable and discovery breaks cluster-wide");
        expect(problems, objects.stream().filter(PodDisruptionBudget.class::isInstance).map(PodDisruptionBudget.class::cast)
                .filter(p -> NAMESPACE.equals(p.getMetadata().getNamespace()))
                .anyMatch(p -> p.getSpec().getSelector() != null
                        && nonNull(p.getSpec().getSelector().getMatchExpressions()).isEmpty()
                        && selects(p.getSpec().getSelector().getMatchLabels(), podLabels)),
                "no PodDisruptionBudget in " + NAMESPACE + " selects the pod labels " + podLabels
                        + ": add one (minAvailable: 1) so that drains never take the last replica");

        Boolean nonRoot = c.getSecurityContext() != null && c.getSecurityContext().getRunAsNonRoot() != null
                ? c.getSecurityContext().getRunAsNonRoot()
                : pod.getSecurityContext() == null ? null : pod.getSecurityContext().getRunAsNonRoot();
        expect(problems, Boolean.TRUE.equals(nonRoot), "Deployment: set securityContext.runAsNonRoot: true");
        var security = c.getSecurityContext();
        expect(problems, security != null && Boolean.TRUE.equals(security.getReadOnlyRootFilesystem()),
                "Deployment: set the adapter container's securityContext.readOnlyRootFilesystem: true");
        expect(problems, security != null && Boolean.FALSE.equals(security.getAllowPrivilegeEscalation()),
                "Deployment: set the adapter container's securityContext.allowPrivilegeEscalation: false");
        expect(problems, security != null && security.getCapabilities() != null
                && nonNull(security.getCapabilities().getDrop()).contains("ALL")
                && nonNull(security.getCapabilities().getAdd()).isEmpty(),
                "Deployment: the adapter container must drop ALL capabilities and add none");
        String seccomp = security != null && security.getSeccompProfile() != null ? security.getSeccompProfile().getType()
                : pod.getSecurityContext() != null && pod.getSecurityContext().getSeccompProfile() != null
                        ? pod.getSecurityContext().getSeccompProfile().getType() : null;
        expect(problems, "RuntimeDefault".equals(seccomp), "Deployment: set seccompProfile.type: RuntimeDefault");
        var resources = c.getResources();
        expect(problems, resources != null && resources.getRequests() != null
                && resources.getRequests().containsKey("cpu") && resources.getRequests().containsKey("memory")
                && resources.getLimits() != null && resources.getLimits().containsKey("memory"),
                "Deployment: set CPU and memory requests and a memory limit (sized from bench/scale.sh, README Sizing)");
        expect(problems, nonNull(c.getVolumeMounts()).stream().anyMatch(m -> "/tmp".equals(m.getMountPath())
                && nonNull(pod.getVolumes()).stream().anyMatch(v -> v.getName().equals(m.getName()) && v.getEmptyDir() != null)),
                "Deployment: mount an emptyDir at /tmp: the root filesystem is read-only and the JVM writes there");
        assertNoProblems(dir, problems);
    }

    static void checkProbe(List<String> problems, String name, Probe probe, String path, Container c, int securePort,
            boolean optional) {
        String what = "Deployment: " + name;
        if (probe == null) {
            expect(problems, optional, what + " is missing: add an httpGet of " + path + " on port https, scheme HTTPS");
            return;
        }
        HTTPGetAction get = probe.getHttpGet();
        if (get == null) {
            problems.add(what + " must be an httpGet of " + path + " on port https, scheme HTTPS");
            return;
        }
        expect(problems, path.equals(get.getPath()), what + ": path must be " + path + "; is " + get.getPath());
        expect(problems, "HTTPS".equals(get.getScheme()), what + ": scheme must be HTTPS (the adapter serves no plain"
                + " HTTP on " + securePort + "); is " + get.getScheme());
        expect(problems, Objects.equals(securePort, resolve(get.getPort(), c)),
                what + ": port must be 'https' (" + securePort + "); is " + get.getPort());
    }

    /**
     * The Secret behind the volume whose mountPath holds ADAPTER_TLS_CERT_FILE and ADAPTER_TLS_KEY_FILE, or null with
     * what is wrong added to problems.
     */
    static String servingCertSecret(Deployment deployment, List<String> problems) {
        Container c = adapterContainer(deployment);
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        List<String> secrets = new ArrayList<>();
        for (String name : List.of("ADAPTER_TLS_CERT_FILE", "ADAPTER_TLS_KEY_FILE")) {
            Optional<String> file = env(c, name);
            if (file.isEmpty()) {
                problems.add("Deployment: set env " + name + " to a file of the mounted serving-cert Secret; without it"
                        + " each replica makes its own self-signed certificate, which no caBundle can trust");
                continue;
            }
            Optional<Volume> volume = nonNull(c.getVolumeMounts()).stream()
                    .filter(m -> file.get().startsWith(m.getMountPath().endsWith("/") ? m.getMountPath()
                            : m.getMountPath() + "/"))
                    .findFirst()
                    .flatMap(m -> nonNull(pod.getVolumes()).stream().filter(v -> v.getName().equals(m.getName()))
                            .findFirst());
            if (volume.isEmpty() || volume.get().getSecret() == null) {
                problems.add("Deployment: " + name + "=" + file.get() + " must be under the mountPath of the volume from"
                        + " the serving-cert Secret; it is " + volume.map(v -> "on volume " + v.getName()
                                + ", which is not a Secret volume").orElse("under no volumeMount"));
                continue;
            }
            secrets.add(volume.get().getSecret().getSecretName());
        }
        if (secrets.size() == 2 && !secrets.get(0).equals(secrets.get(1))) {
            problems.add("Deployment: ADAPTER_TLS_CERT_FILE and ADAPTER_TLS_KEY_FILE come from different Secrets "
                    + secrets + "; they must be one certificate and its key");
        }
        return secrets.size() == 2 ? secrets.get(0) : null;
    }

    // ---------------------------------------------------------------------------------------------- helpers

    static void expect(List<String> problems, boolean ok, String problem) {
        if (!ok) {
            problems.add(problem);
        }
    }

    static void assertNoProblems(String dir, List<String> problems) {
        assertTrue(problems.isEmpty(), "kubectl kustomize " + dir + ":\n  " + String.join("\n  ", problems));
    }

    static Deployment deployment(List<HasMetadata> objects) {
        return objects.stream().filter(Deployment.class::isInstance).map(Deployment.class::cast)
                .filter(d -> NAME.equals(d.getMetadata().getName()) && NAMESPACE.equals(d.getMetadata().getNamespace()))
                .findFirst().orElseGet(() -> fail("no Deployment " + NAMESPACE + "/" + NAME + " in the render"));
    }

    static Container adapterContainer(Deployment d) {
        List<Container> containers = d.getSpec().getTemplate().getSpec().getContainers();
        return containers.stream().filter(c -> "adapter".equals(c.getName())).findFirst()
                .orElseGet(() -> fail("Deployment " + NAME + " has no container named 'adapter'"));
    }

    static Service service(List<HasMetadata> objects) {
        return objects.stream().filter(Service.class::isInstance).map(Service.class::cast)
                .filter(s -> NAME.equals(s.getMetadata().getName()) && NAMESPACE.equals(s.getMetadata().getNamespace()))
                .findFirst().orElseGet(() -> fail("no Service " + NAMESPACE + "/" + NAME + " in the render"));
    }

    static List<GenericKubernetesResource> apiServices(List<HasMetadata> objects) {
        return objects.stream()
                .filter(o -> "APIService".equals(o.getKind()) && o.getApiVersion().startsWith("apiregistration.k8s.io/"))
                .map(o -> o instanceof GenericKubernetesResource g ? g
                        : Serialization.unmarshal(Serialization.asJson(o), GenericKubernetesResource.class))
                .toList();
    }

    /** The number of the container port with this name, null if there is none. */
    static Integer containerPort(Container c, String name) {
        return nonNull(c.getPorts()).stream().filter(p -> name.equals(p.getName())).map(ContainerPort::getContainerPort)
                .findFirst().orElse(null);
    }

    /** A port given as a number or a container port name, as a number; null if the name is not a port. */
    static Integer resolve(IntOrString port, Container c) {
        if (port == null) {
            return null;
        }
        return port.getIntVal() != null ? port.getIntVal() : containerPort(c, port.getStrVal());
    }

    static Optional<String> env(Container c, String name) {
        return nonNull(c.getEnv()).stream().filter(e -> name.equals(e.getName())).map(EnvVar::getValue)
                .filter(Objects::nonNull).findFirst();
    }

    static boolean selects(Map<String, String> selector, Map<String, String> labels) {
        return selector != null && !selector.isEmpty() && labels != null
                && selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }

    /** A number from a generic object; 0 (invalid everywhere it is used) when absent. */
    static long number(Object value) {
        return value == null ? 0 : value instanceof Number n ? n.longValue() : Long.parseLong(String.valueOf(value));
    }

    static Properties applicationProperties() throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(root.resolve("src/main/resources/application.properties"))) {
            p.load(in);
        }
        return p;
    }

    static <T> List<T> nonNull(List<T> list) {
        return list == null ? List.of() : list;
    }

    static boolean onPath(String command) {
        String path = System.getenv("PATH");
        return path != null && Stream.of(path.split(File.pathSeparator))
                .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, command)));
    }

    /** {@code kubectl kustomize dir}, parsed into typed objects (kinds fabric8 has no model for: generic). */
    static List<HasMetadata> kustomize(Path base, String dir) throws IOException, InterruptedException {
        Path out = Files.createTempFile("kustomize-", ".yaml");
        try {
            run(base, out, "kubectl kustomize " + dir, "kubectl", "kustomize", dir);
            List<HasMetadata> objects = new ArrayList<>();
            try (InputStream in = Files.newInputStream(out)) {
                Object parsed = Serialization.unmarshal(in);
                for (Object o : parsed instanceof List<?> l ? l : List.of(parsed)) {
                    assertTrue(o instanceof HasMetadata, dir + ": not a Kubernetes object: " + o);
                    objects.add((HasMetadata) o);
                }
            }
            assertFalse(objects.isEmpty(), "kubectl kustomize " + dir + " rendered nothing");
            return objects;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    static void run(Path dir, String what, String... command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("run-", ".out");
        try {
            run(dir, out, what, command);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** Runs command in dir, stdout to out; fails with its stderr when it fails or takes over 60 s. */
    static void run(Path dir, Path out, String what, String... command) throws IOException, InterruptedException {
        Path err = Files.createTempFile("run-", ".err");
        try {
            Process process = new ProcessBuilder(command).directory(dir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail(what + " did not finish in 60 s");
            }
            assertEquals(0, process.exitValue(), what + " failed:\n" + Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(err);
        }
    }

}
