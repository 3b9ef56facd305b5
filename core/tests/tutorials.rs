//! The Kubernetes documentation's tutorials, run line by line as a learner types them on an empty
//! cluster: each step answers in the shape the tutorial's page shows a real cluster printing
//! (kubernetes/website, content/en/docs/tutorials/…). Pod names, IPs and ages differ from the
//! page, as they do between two real clusters; the lines, their order, the names derived from
//! objects, counts and states do not.

use podscape_core::{Cluster, Config, NoFiles, SimDuration};

fn empty() -> Cluster {
    Cluster::new(Config { empty: true, ..Config::default() })
}

/// A learner reads one line's output before typing the next: two seconds, as `podscape run`
/// paces a script by default.
fn typed(c: &mut Cluster, line: &str) -> podscape_core::console::Output {
    c.advance(SimDuration::seconds(2));
    c.run(line, &NoFiles)
}

/// One line typed in the console; it must succeed.
fn run(c: &mut Cluster, line: &str) -> String {
    let out = typed(c, line);
    assert!(out.ok(), "{line}: {out:?}");
    out.stdout
}

/// One line typed in the console that the tutorial shows failing.
fn fails(c: &mut Cluster, line: &str) -> String {
    let out = typed(c, line);
    assert!(!out.ok(), "{line} should fail: {out:?}");
    format!("{}{}", out.stdout, out.stderr)
}

/// The learner reads the output and types the next line a few seconds later.
fn pause(c: &mut Cluster, secs: i64) {
    c.advance(SimDuration::seconds(secs));
}

fn column(out: &str, header: &str) -> Vec<String> {
    let mut lines = out.lines();
    let head = lines.next().unwrap_or_default();
    let at = head.find(header).unwrap_or_else(|| panic!("no {header} column in {out}"));
    lines.map(|l| l.get(at..).unwrap_or("").split_whitespace().next().unwrap_or("").to_string()).collect()
}

/// Tutorials → Services → "Connecting Applications with Services"
/// (tutorials/services/connect-applications-service.md).
#[test]
fn connecting_applications_with_services() {
    let mut c = empty();
    // "Exposing pods to the cluster"
    assert_eq!(
        run(&mut c, "kubectl apply -f https://k8s.io/examples/service/networking/run-my-nginx.yaml"),
        "deployment.apps/my-nginx created\n"
    );
    pause(&mut c, 15);
    let wide = run(&mut c, "kubectl get pods -l run=my-nginx -o wide");
    assert_eq!(column(&wide, "STATUS"), ["Running", "Running"], "{wide}");
    let ips = column(&wide, "IP");
    let cols = run(&mut c, "kubectl get pods -l run=my-nginx -o custom-columns=POD_IP:.status.podIPs");
    assert_eq!(cols, format!("POD_IP\n[map[ip:{}]]\n[map[ip:{}]]\n", ips[0], ips[1]));

    // "Creating a Service"
    assert_eq!(run(&mut c, "kubectl expose deployment/my-nginx"), "service/my-nginx exposed\n");
    let svc = run(&mut c, "kubectl get svc my-nginx");
    assert!(svc.starts_with("NAME       TYPE        CLUSTER-IP"), "{svc}");
    assert!(svc.contains("   ClusterIP   10.") && svc.contains("<none>        80/TCP"), "{svc}");
    let describe = run(&mut c, "kubectl describe svc my-nginx");
    let mut sorted = ips.clone();
    sorted.sort();
    let endpoints = format!("Endpoints:                {}:80,{}:80\n", sorted[0], sorted[1]);
    assert!(describe.contains(&endpoints), "{describe}");
    assert!(describe.contains("Selector:                 run=my-nginx\n"), "{describe}");
    let slices = run(&mut c, "kubectl get endpointslices -l kubernetes.io/service-name=my-nginx");
    assert!(slices.starts_with("NAME             ADDRESSTYPE   PORTS   ENDPOINTS"), "{slices}");
    assert!(slices.contains(&format!("   IPv4          80      {},{}   ", ips[0], ips[1])), "{slices}");

    // "Environment Variables": pods started before the Service do not see it ...
    let first = column(&wide, "NAME")[0].clone();
    let env = run(&mut c, &format!("kubectl exec {first} -- printenv | grep SERVICE"));
    assert_eq!(env.lines().count(), 3, "{env}");
    assert!(env.contains("KUBERNETES_SERVICE_HOST=10.96.0.1\n") && !env.contains("MY_NGINX"), "{env}");
    // ... pods started after it do: one line scales to zero and back.
    run(&mut c, "kubectl scale deployment my-nginx --replicas=0; kubectl scale deployment my-nginx --replicas=2;");
    pause(&mut c, 5);
    let again = run(&mut c, "kubectl get pods -l run=my-nginx -o wide");
    let names = column(&again, "NAME");
    assert_eq!(names.len(), 2, "{again}");
    assert!(!names.contains(&first), "the pods are killed and recreated: {again}");
    let env = run(&mut c, &format!("kubectl exec {} -- printenv | grep SERVICE", names[0]));
    assert!(env.contains("MY_NGINX_SERVICE_HOST=10.") && env.contains("MY_NGINX_SERVICE_PORT=80\n"), "{env}");

    // "DNS"
    let dns = run(&mut c, "kubectl get services kube-dns --namespace=kube-system");
    assert!(dns.contains("kube-dns   ClusterIP   10.96.0.10   <none>        53/UDP,53/TCP"), "{dns}");
    let attach = typed(&mut c, "kubectl run -i --tty --image busybox:1.37 dns-test --restart=Never --rm");
    assert!(attach.ok(), "{attach:?}");
    // kubectl attach says so on stderr.
    assert_eq!(attach.stderr, "If you don't see a command prompt, try pressing enter.\n");
    let lookup = run(&mut c, "nslookup my-nginx");
    assert!(lookup.contains("Name:\tmy-nginx.default.svc.cluster.local\nAddress: 10."), "{lookup}");
    let bye = run(&mut c, "exit");
    assert!(bye.contains("pod \"dns-test\" deleted"), "{bye}");

    // "Securing the Service": the manual steps, then the secure app.
    run(
        &mut c,
        "openssl req -x509 -nodes -days 365 -newkey rsa:2048 -keyout /d/tmp/nginx.key -out /d/tmp/nginx.crt -subj \"/CN=my-nginx/O=my-nginx\"",
    );
    assert_eq!(
        run(&mut c, "kubectl create secret tls nginxsecret --key /d/tmp/nginx.key --cert /d/tmp/nginx.crt"),
        "secret/nginxsecret created\n"
    );
    let secrets = run(&mut c, "kubectl get secrets");
    assert!(secrets.contains("nginxsecret   kubernetes.io/tls   2      "), "{secrets}");
    assert_eq!(
        run(&mut c, "kubectl create configmap nginxconfigmap --from-file=default.conf"),
        "configmap/nginxconfigmap created\n"
    );
    let cm = run(&mut c, "kubectl describe configmap  nginxconfigmap");
    assert!(cm.contains("Data\n====\ndefault.conf:\n----\nserver {\n        listen 80 default_server;"), "{cm}");
    let replaced = run(
        &mut c,
        "kubectl delete deployments,svc my-nginx; kubectl create -f https://k8s.io/examples/service/networking/nginx-secure-app.yaml",
    );
    assert_eq!(
        replaced,
        "deployment.apps \"my-nginx\" deleted from default namespace\nservice \"my-nginx\" deleted from default namespace\nservice/my-nginx created\ndeployment.apps/my-nginx created\n"
    );
    pause(&mut c, 15);
    let ip = run(&mut c, "kubectl get pods -l run=my-nginx -o jsonpath='{.items[0].status.podIP}'");
    let page = run(&mut c, &format!("curl -k https://{ip}"));
    assert!(page.contains("<h1>Welcome to nginx!</h1>"), "{page}");
    run(&mut c, "kubectl apply -f https://k8s.io/examples/service/networking/curlpod.yaml");
    pause(&mut c, 15);
    let curlpod = run(&mut c, "kubectl get pods -l app=curlpod");
    assert_eq!(column(&curlpod, "STATUS"), ["Running"], "{curlpod}");
    let name = column(&curlpod, "NAME")[0].clone();
    let secure = run(&mut c, &format!("kubectl exec {name} -- curl https://my-nginx --cacert /etc/nginx/ssl/tls.crt"));
    assert!(secure.contains("<title>Welcome to nginx!</title>"), "{secure}");
    let insecure = fails(&mut c, &format!("kubectl exec {name} -- curl https://my-nginx"));
    assert!(insecure.contains("curl: (60) SSL certificate problem"), "{insecure}");

    // "Exposing the Service"
    let yaml = run(&mut c, "kubectl get svc my-nginx -o yaml | grep nodePort -C 5");
    assert!(yaml.contains("  - name: http\n    nodePort: 3"), "{yaml}");
    let node_port = run(&mut c, "kubectl get svc my-nginx -o jsonpath='{.spec.ports[1].nodePort}'");
    let nodes = run(&mut c, "kubectl get nodes -o yaml | grep ExternalIP -C 1");
    assert!(nodes.contains("      type: ExternalIP\n    allocatable:\n"), "{nodes}");
    let external = nodes.lines().find_map(|l| l.trim().strip_prefix("- address: ")).expect("an external address");
    let outside = run(&mut c, &format!("curl https://{external}:{node_port} -k"));
    assert!(outside.contains("<h1>Welcome to nginx!</h1>"), "{outside}");
    run(&mut c, "kubectl patch svc my-nginx -p '{\"spec\":{\"type\":\"LoadBalancer\"}}'");
    pause(&mut c, 20);
    let lb = run(&mut c, "kubectl get svc my-nginx");
    assert!(lb.contains("my-nginx   LoadBalancer   10."), "{lb}");
    let lb_ip = column(&lb, "EXTERNAL-IP")[0].clone();
    let via_lb = run(&mut c, &format!("curl https://{lb_ip} -k"));
    assert!(via_lb.contains("<title>Welcome to nginx!</title>"), "{via_lb}");
    let described = run(&mut c, "kubectl describe service my-nginx");
    assert!(described.contains(&format!("LoadBalancer Ingress:     {lb_ip}\n")), "{described}");
}

/// Tutorials → Stateless Applications → "Run a Stateless Application Using a Deployment"
/// (tutorials/stateless-application/… and tasks/run-application/run-stateless-application-deployment.md).
#[test]
fn run_a_stateless_application_using_a_deployment() {
    let mut c = empty();
    assert_eq!(
        run(&mut c, "kubectl apply -f https://k8s.io/examples/application/deployment.yaml"),
        "deployment.apps/nginx-deployment created\n"
    );
    pause(&mut c, 15);
    let describe = run(&mut c, "kubectl describe deployment nginx-deployment");
    for line in [
        "Name:                   nginx-deployment\n",
        "Selector:               app=nginx\n",
        "Replicas:               2 desired | 2 updated | 2 total | 2 available | 0 unavailable\n",
        "StrategyType:           RollingUpdate\n",
        "RollingUpdateStrategy:  25% max unavailable, 25% max surge\n",
        "Pod Template:\n  Labels:  app=nginx\n  Containers:\n   nginx:\n    Image:         nginx:1.14.2\n",
        "    Port:          80/TCP\n",
    ] {
        assert!(describe.contains(line), "{line:?} in {describe}");
    }
    assert!(describe.contains("NewReplicaSet:   nginx-deployment-"), "{describe}");
    assert!(describe.contains("ScalingReplicaSet  ") && describe.contains("from 0 to 2"), "{describe}");
    let pods = run(&mut c, "kubectl get pods -l app=nginx");
    assert_eq!(column(&pods, "STATUS"), ["Running", "Running"], "{pods}");
    let first = column(&pods, "NAME")[0].clone();
    let pod = run(&mut c, &format!("kubectl describe pod {first}"));
    assert!(pod.contains("Controlled By:  ReplicaSet/nginx-deployment-"), "{pod}");

    // Updating the deployment: nginx 1.16.1 rolls out and replaces both pods.
    assert_eq!(
        run(&mut c, "kubectl apply -f https://k8s.io/examples/application/deployment-update.yaml"),
        "deployment.apps/nginx-deployment configured\n"
    );
    pause(&mut c, 60);
    let updated = run(&mut c, "kubectl get pods -l app=nginx");
    let names = column(&updated, "NAME");
    assert_eq!(names.len(), 2, "{updated}");
    assert!(!names.contains(&first), "{updated}");
    let image =
        run(&mut c, "kubectl get deployment nginx-deployment -o jsonpath='{.spec.template.spec.containers[0].image}'");
    assert_eq!(image, "nginx:1.16.1");

    // Scaling by applying a manifest with replicas: 4.
    run(&mut c, "kubectl apply -f https://k8s.io/examples/application/deployment-scale.yaml");
    pause(&mut c, 20);
    let scaled = run(&mut c, "kubectl get pods -l app=nginx");
    assert_eq!(column(&scaled, "STATUS"), ["Running"; 4], "{scaled}");

    // Deleting the deployment by name.
    assert_eq!(
        run(&mut c, "kubectl delete deployment nginx-deployment"),
        "deployment.apps \"nginx-deployment\" deleted from default namespace\n"
    );
    pause(&mut c, 5);
    assert_eq!(c.run("kubectl get pods -l app=nginx", &NoFiles).stderr, "No resources found in default namespace.\n");
}

/// Tutorials → "Learn Kubernetes Basics", modules 2 to 6 (tutorials/kubernetes-basics/…): the
/// bootcamp app, deployed, explored, exposed, scaled and updated, with the shell lines that set
/// POD_NAME and NODE_PORT.
#[test]
fn learn_kubernetes_basics() {
    let mut c = empty();
    // Module 2: deploy an app.
    assert_eq!(
        run(
            &mut c,
            "kubectl create deployment kubernetes-bootcamp --image=gcr.io/google-samples/kubernetes-bootcamp:v1"
        ),
        "deployment.apps/kubernetes-bootcamp created\n"
    );
    pause(&mut c, 15);
    let deployments = run(&mut c, "kubectl get deployments");
    assert!(deployments.contains("kubernetes-bootcamp   1/1     1            1           "), "{deployments}");
    let proxy = run(&mut c, "kubectl proxy");
    assert_eq!(proxy, "Starting to serve on 127.0.0.1:8001\n");
    let version = run(&mut c, "curl http://localhost:8001/version");
    assert!(version.contains("\"gitVersion\": \"v1."), "{version}");
    let named = run(
        &mut c,
        "export POD_NAME=$(kubectl get pods -o go-template --template '{{range .items}}{{.metadata.name}}{{\"\\n\"}}{{end}}'); echo Name of the Pod: $POD_NAME",
    );
    assert!(named.starts_with("Name of the Pod: kubernetes-bootcamp-"), "{named}");
    let pod = named.trim_end().rsplit(' ').next().unwrap().to_string();
    let hello = run(&mut c, "curl http://localhost:8001/api/v1/namespaces/default/pods/$POD_NAME:8080/proxy/");
    assert_eq!(hello, format!("Hello Kubernetes bootcamp! | Running on: {pod} | v=1\n"));

    // Module 3: explore the app.
    let logs = run(&mut c, "kubectl logs \"$POD_NAME\"");
    assert!(logs.starts_with("Kubernetes Bootcamp App Started At:"), "{logs}");
    assert!(logs.contains("Running On: ") && logs.contains(&pod), "{logs}");
    let env = run(&mut c, "kubectl exec \"$POD_NAME\" -- env");
    assert!(env.contains(&format!("HOSTNAME={pod}\n")) && env.contains("KUBERNETES_SERVICE_HOST=10.96.0.1\n"), "{env}");
    run(&mut c, "kubectl exec -ti $POD_NAME -- bash");
    let server = run(&mut c, "cat server.js");
    assert!(server.contains("var http = require('http');"), "{server}");
    let inside = run(&mut c, "curl http://localhost:8080");
    assert!(inside.starts_with("Hello Kubernetes bootcamp! | Running on: "), "{inside}");
    run(&mut c, "exit");

    // Module 4: expose it with a Service, and use labels.
    assert_eq!(
        run(&mut c, "kubectl expose deployment/kubernetes-bootcamp --type=\"NodePort\" --port 8080"),
        "service/kubernetes-bootcamp exposed\n"
    );
    let port = run(
        &mut c,
        "export NODE_PORT=\"$(kubectl get services/kubernetes-bootcamp -o go-template='{{(index .spec.ports 0).nodePort}}')\"; echo \"NODE_PORT=$NODE_PORT\"",
    );
    let node_port: u16 = port.trim().strip_prefix("NODE_PORT=").unwrap().parse().expect("a port number");
    assert!((30000..=32767).contains(&node_port), "{port}");
    let outside = run(&mut c, "curl http://\"$(minikube ip):$NODE_PORT\"");
    assert!(outside.starts_with("Hello Kubernetes bootcamp! | Running on: kubernetes-bootcamp-"), "{outside}");
    assert_eq!(run(&mut c, "kubectl label pods \"$POD_NAME\" version=v1"), format!("pod/{pod} labeled\n"));
    assert_eq!(column(&run(&mut c, "kubectl get pods -l version=v1"), "NAME"), [pod.as_str()]);
    assert_eq!(
        run(&mut c, "kubectl delete service -l app=kubernetes-bootcamp"),
        "service \"kubernetes-bootcamp\" deleted from default namespace\n"
    );
    let gone = fails(&mut c, "curl http://\"$(minikube ip):$NODE_PORT\"");
    assert!(gone.contains("curl: (7) Failed to connect to"), "{gone}");
    let still = run(&mut c, "kubectl exec -ti $POD_NAME -- curl http://localhost:8080");
    assert!(still.starts_with("Hello Kubernetes bootcamp!"), "{still}");

    // Module 5: scale it.
    assert_eq!(
        run(&mut c, "kubectl scale deployments/kubernetes-bootcamp --replicas=4"),
        "deployment.apps/kubernetes-bootcamp scaled\n"
    );
    pause(&mut c, 15);
    let four = run(&mut c, "kubectl get deployments");
    assert!(four.contains("kubernetes-bootcamp   4/4     4            4           "), "{four}");
    let wide = run(&mut c, "kubectl get pods -o wide");
    assert_eq!(column(&wide, "STATUS"), ["Running"; 4], "{wide}");
    let described = run(&mut c, "kubectl describe deployments/kubernetes-bootcamp");
    assert!(
        described.contains("Replicas:               4 desired | 4 updated | 4 total | 4 available | 0 unavailable\n")
    );
    run(&mut c, "kubectl expose deployment/kubernetes-bootcamp --type=\"NodePort\" --port 8080");
    run(
        &mut c,
        "export NODE_PORT=\"$(kubectl get services/kubernetes-bootcamp -o go-template='{{(index .spec.ports 0).nodePort}}')\"",
    );
    let answered: std::collections::BTreeSet<String> =
        (0..12).map(|_| run(&mut c, "curl http://\"$(minikube ip):$NODE_PORT\"")).collect();
    assert!(answered.len() > 1, "the Service spreads requests over the pods: {answered:?}");
    run(&mut c, "kubectl scale deployments/kubernetes-bootcamp --replicas=2");
    pause(&mut c, 35);
    assert_eq!(column(&run(&mut c, "kubectl get pods -o wide"), "STATUS"), ["Running"; 2]);

    // Module 6: a rolling update, a failed one, and the rollback.
    run(
        &mut c,
        "kubectl set image deployments/kubernetes-bootcamp kubernetes-bootcamp=docker.io/jocatalin/kubernetes-bootcamp:v2",
    );
    let status = run(&mut c, "kubectl rollout status deployments/kubernetes-bootcamp");
    assert!(status.ends_with("deployment \"kubernetes-bootcamp\" successfully rolled out\n"), "{status}");
    pause(&mut c, 35);
    let v2 = run(&mut c, "curl http://\"$(minikube ip):$NODE_PORT\"");
    assert!(v2.ends_with("| v=2\n"), "{v2}");
    let images = run(&mut c, "kubectl describe pods | grep Image:");
    assert_eq!(images.matches("Image:          docker.io/jocatalin/kubernetes-bootcamp:v2").count(), 2, "{images}");
    run(
        &mut c,
        "kubectl set image deployments/kubernetes-bootcamp kubernetes-bootcamp=gcr.io/google-samples/kubernetes-bootcamp:v10",
    );
    pause(&mut c, 30);
    let pods = run(&mut c, "kubectl get pods");
    assert!(pods.contains("ImagePullBackOff") || pods.contains("ErrImagePull"), "the v10 tag does not exist: {pods}");
    let deployments = run(&mut c, "kubectl get deployments");
    assert!(deployments.contains("kubernetes-bootcamp   2/2     1            2           "), "{deployments}");
    assert!(run(&mut c, "kubectl rollout undo deployments/kubernetes-bootcamp").contains("rolled back"));
    pause(&mut c, 40);
    let back = run(&mut c, "kubectl get pods");
    assert_eq!(column(&back, "STATUS"), ["Running"; 2], "{back}");
    let images = run(&mut c, "kubectl describe pods | grep Image:");
    assert_eq!(images.matches(":v2\n").count(), 2, "{images}");
    let deleted = run(&mut c, "kubectl delete deployments/kubernetes-bootcamp services/kubernetes-bootcamp");
    assert_eq!(
        deleted,
        "deployment.apps \"kubernetes-bootcamp\" deleted from default namespace\nservice \"kubernetes-bootcamp\" deleted from default namespace\n"
    );
}

fn images(c: &mut Cluster, n: usize) -> Vec<String> {
    (0..n)
        .map(|p| run(c, &format!("kubectl get po web-{p} --template '{{{{range $i, $c := .spec.containers}}}}{{{{$c.image}}}}{{{{end}}}}'")))
        .collect()
}

fn created_at(c: &Cluster, name: &str) -> podscape_core::SimTime {
    let key = podscape_core::api::ObjectKey::new("default", name);
    c.store().get::<podscape_core::api::Pod>(&key).and_then(|p| p.metadata.creation_timestamp).expect(name).0
}

/// Tutorials → Stateful Applications → "StatefulSet Basics"
/// (tutorials/stateful-application/basic-stateful-set.md), all of it.
#[test]
fn statefulset_basics() {
    let mut c = empty();
    // "Creating a StatefulSet": ordered creation, web-1 only once web-0 is Running and Ready.
    assert_eq!(
        run(&mut c, "kubectl apply -f https://k8s.io/examples/application/web/web.yaml"),
        "service/nginx created\nstatefulset.apps/web created\n"
    );
    assert_eq!(column(&run(&mut c, "kubectl get pods -l app=nginx"), "NAME"), ["web-0"], "one pod at a time");
    let watch = run(&mut c, "kubectl get pods --watch -l app=nginx");
    let web1: Vec<&str> = watch.lines().filter(|l| l.starts_with("web-1 ")).collect();
    let statuses: Vec<&str> = web1.iter().map(|l| l.split_whitespace().nth(2).unwrap()).collect();
    assert_eq!(statuses, ["Pending", "Pending", "ContainerCreating", "Running"], "{watch}");
    let web0_running = watch.lines().position(|l| l.starts_with("web-0 ") && l.contains(" Running ")).unwrap();
    let web1_first = watch.lines().position(|l| l.starts_with("web-1 ")).unwrap();
    assert!(web0_running < web1_first, "{watch}");
    assert!(run(&mut c, "kubectl get service nginx").contains("nginx   ClusterIP   None         <none>        80/TCP"));
    assert!(run(&mut c, "kubectl get statefulset web").contains("web    2/2     "));

    // "Pods in a StatefulSet": stable hostnames and DNS names.
    assert_eq!(run(&mut c, "for i in 0 1; do kubectl exec \"web-$i\" -- sh -c 'hostname'; done"), "web-0\nweb-1\n");
    let ip0 = run(&mut c, "kubectl get pod web-0 -o jsonpath='{.status.podIP}'");
    run(&mut c, "kubectl run -i --tty --image busybox:1.28 dns-test --restart=Never --rm");
    let lookup = run(&mut c, "nslookup web-0.nginx");
    // busybox 1.28's nslookup, as the tutorial shows it.
    assert!(lookup.contains(&format!("Name:      web-0.nginx\nAddress 1: {ip0}\n")), "{lookup}");
    run(&mut c, "exit");
    // Deleted pods come back with the same names, hostnames and DNS names, and new IPs.
    run(&mut c, "kubectl delete pod -l app=nginx");
    pause(&mut c, 30);
    assert_eq!(run(&mut c, "for i in 0 1; do kubectl exec web-$i -- sh -c 'hostname'; done"), "web-0\nweb-1\n");

    // "Writing to stable storage": a claim per pod; what is written survives the pods.
    let pvc = run(&mut c, "kubectl get pvc -l app=nginx");
    assert_eq!(column(&pvc, "NAME"), ["www-web-0", "www-web-1"], "{pvc}");
    assert_eq!(column(&pvc, "STATUS"), ["Bound", "Bound"], "{pvc}");
    run(
        &mut c,
        "for i in 0 1; do kubectl exec \"web-$i\" -- sh -c 'echo \"$(hostname)\" > /usr/share/nginx/html/index.html'; done",
    );
    assert_eq!(
        run(&mut c, "for i in 0 1; do kubectl exec -i -t \"web-$i\" -- curl http://localhost/; done"),
        "web-0\nweb-1\n"
    );
    run(&mut c, "kubectl delete pod -l app=nginx");
    pause(&mut c, 30);
    assert_eq!(
        run(&mut c, "for i in 0 1; do kubectl exec -i -t \"web-$i\" -- curl http://localhost/; done"),
        "web-0\nweb-1\n"
    );

    // "Scaling a StatefulSet": up to 5 in order, down to 3 in reverse order; claims stay.
    assert_eq!(run(&mut c, "kubectl scale sts web --replicas=5"), "statefulset.apps/web scaled\n");
    pause(&mut c, 60);
    let five = run(&mut c, "kubectl get pods -l app=nginx");
    assert_eq!(column(&five, "NAME"), ["web-0", "web-1", "web-2", "web-3", "web-4"], "{five}");
    assert!(created_at(&c, "web-3") < created_at(&c, "web-4"));
    // The tutorial watches in a second terminal; one console runs the watch right after the patch.
    let down = run(&mut c, "kubectl patch sts web -p '{\"spec\":{\"replicas\":3}}'; kubectl get pods -w -l app=nginx");
    assert!(down.starts_with("statefulset.apps/web patched\nNAME "), "{down}");
    let terminating: Vec<&str> =
        down.lines().filter(|l| l.contains(" Terminating ")).map(|l| l.split_whitespace().next().unwrap()).collect();
    assert_eq!(terminating, ["web-4", "web-3"], "web-4 goes first: {down}");
    // Since Kubernetes 1.27 a deleted pod reports its terminal phase before it goes: 0/1 Completed.
    assert_eq!(
        down.lines().filter(|l| l.starts_with("web-4 ") && l.contains(" 0/1     Completed ")).count(),
        3,
        "{down}"
    );
    assert_eq!(column(&run(&mut c, "kubectl get pvc -l app=nginx"), "NAME").len(), 5, "claims are kept");

    // "Updating StatefulSets": RollingUpdate in reverse ordinal order.
    run(&mut c, "kubectl patch statefulset web -p '{\"spec\":{\"updateStrategy\":{\"type\":\"RollingUpdate\"}}}'");
    run(
        &mut c,
        "kubectl patch statefulset web --type='json' -p='[{\"op\": \"replace\", \"path\": \"/spec/template/spec/containers/0/image\", \"value\":\"gcr.io/google_containers/nginx-slim:0.7\"}]'",
    );
    let rollout = run(&mut c, "kubectl rollout status sts/web");
    assert!(rollout.ends_with("partitioned roll out complete: 3 new pods have been updated...\n"), "{rollout}");
    assert_eq!(images(&mut c, 3), ["gcr.io/google_containers/nginx-slim:0.7"; 3]);
    // Staging an update with a partition: web-2 is restored to the old template when deleted.
    run(
        &mut c,
        "kubectl patch statefulset web -p '{\"spec\":{\"updateStrategy\":{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"partition\":3}}}}'",
    );
    run(
        &mut c,
        "kubectl patch statefulset web --type='json' -p='[{\"op\": \"replace\", \"path\": \"/spec/template/spec/containers/0/image\", \"value\":\"registry.k8s.io/nginx-slim:0.8\"}]'",
    );
    run(&mut c, "kubectl delete pod web-2");
    pause(&mut c, 30);
    assert_eq!(images(&mut c, 3)[2], "gcr.io/google_containers/nginx-slim:0.7", "below the partition");
    // Rolling out a canary: partition 2 updates web-2 only, and web-1 is restored if deleted.
    run(
        &mut c,
        "kubectl patch statefulset web -p '{\"spec\":{\"updateStrategy\":{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"partition\":2}}}}'",
    );
    pause(&mut c, 30);
    assert_eq!(images(&mut c, 3)[2], "registry.k8s.io/nginx-slim:0.8", "the canary");
    run(&mut c, "kubectl delete pod web-1");
    pause(&mut c, 30);
    assert_eq!(images(&mut c, 3)[1], "gcr.io/google_containers/nginx-slim:0.7");
    // Phased roll out: partition 0 finishes it.
    run(
        &mut c,
        "kubectl patch statefulset web -p '{\"spec\":{\"updateStrategy\":{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"partition\":0}}}}'",
    );
    pause(&mut c, 60);
    assert_eq!(images(&mut c, 3), ["registry.k8s.io/nginx-slim:0.8"; 3]);
    // OnDelete: a template change waits for each pod to be deleted.
    run(
        &mut c,
        "kubectl patch statefulset web -p '{\"spec\":{\"updateStrategy\":{\"type\":\"OnDelete\", \"rollingUpdate\": null}}}'",
    );
    run(
        &mut c,
        "kubectl patch statefulset web --type='json' -p='[{\"op\": \"replace\", \"path\": \"/spec/template/spec/containers/0/image\", \"value\":\"gcr.io/google_containers/nginx-slim:0.7\"}]'",
    );
    pause(&mut c, 30);
    assert_eq!(images(&mut c, 3), ["registry.k8s.io/nginx-slim:0.8"; 3], "nothing rolls by itself");
    run(&mut c, "kubectl delete pod web-0");
    pause(&mut c, 30);
    assert_eq!(images(&mut c, 3)[0], "gcr.io/google_containers/nginx-slim:0.7");

    // "Deleting StatefulSets": non-cascading, then re-adoption of the pods left behind.
    assert_eq!(
        run(&mut c, "kubectl delete statefulset web --cascade=orphan"),
        "statefulset.apps \"web\" deleted from default namespace\n"
    );
    assert_eq!(column(&run(&mut c, "kubectl get pods -l app=nginx"), "STATUS"), ["Running"; 3]);
    run(&mut c, "kubectl delete pod web-0");
    assert_eq!(column(&run(&mut c, "kubectl get pods -l app=nginx"), "NAME"), ["web-1", "web-2"], "not relaunched");
    assert_eq!(
        run(&mut c, "kubectl apply -f https://k8s.io/examples/application/web/web.yaml"),
        "service/nginx unchanged\nstatefulset.apps/web created\n"
    );
    let readopt = run(&mut c, "kubectl get pods -w -l app=nginx");
    assert!(readopt.lines().any(|l| l.starts_with("web-0 ") && l.contains(" Running ")), "{readopt}");
    assert!(
        readopt.lines().any(|l| l.starts_with("web-2 ") && l.contains(" Terminating ")),
        "web-2 is beyond replicas: {readopt}"
    );
    pause(&mut c, 90);
    assert_eq!(column(&run(&mut c, "kubectl get pods -l app=nginx"), "NAME"), ["web-0", "web-1"]);
    assert_eq!(
        run(&mut c, "for i in 0 1; do kubectl exec -i -t \"web-$i\" -- curl http://localhost/; done"),
        "web-0\nweb-1\n"
    );
    // Cascading delete: the pods go in reverse order, the Service stays, the claims stay.
    run(&mut c, "kubectl delete statefulset web");
    pause(&mut c, 30);
    assert_eq!(c.run("kubectl get pods -l app=nginx", &NoFiles).stderr, "No resources found in default namespace.\n");
    assert_eq!(run(&mut c, "kubectl delete service nginx"), "service \"nginx\" deleted from default namespace\n");
    run(&mut c, "kubectl apply -f https://k8s.io/examples/application/web/web.yaml");
    pause(&mut c, 40);
    assert_eq!(
        run(&mut c, "for i in 0 1; do kubectl exec -i -t \"web-$i\" -- curl http://localhost/; done"),
        "web-0\nweb-1\n"
    );
    run(&mut c, "kubectl delete service nginx; kubectl delete statefulset web");
    pause(&mut c, 30);

    // "Pod Management Policy": Parallel launches and deletes all at once.
    run(&mut c, "kubectl apply -f https://k8s.io/examples/application/web/web-parallel.yaml");
    assert_eq!(column(&run(&mut c, "kubectl get po -l app=nginx"), "NAME"), ["web-0", "web-1"], "both at once");
    assert_eq!(created_at(&c, "web-0"), created_at(&c, "web-1"));
    pause(&mut c, 20);
    run(&mut c, "kubectl scale statefulset/web --replicas=4");
    assert_eq!(column(&run(&mut c, "kubectl get po -l app=nginx"), "NAME").len(), 4);
    pause(&mut c, 20);
    let all = run(&mut c, "kubectl delete sts web; kubectl get po -l app=nginx -w");
    let mut terminating: Vec<&str> = all
        .lines()
        .filter(|l| l.contains(" 1/1     Terminating "))
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    terminating.sort();
    assert_eq!(terminating, ["web-0", "web-1", "web-2", "web-3"], "all at once, none waiting for another: {all}");
}
