//! Certificates, simulated: a PEM block whose body names its subject (what `openssl req -x509`
//! on the learner's machine makes), and curl's checks of a server's certificate against a CA
//! file and the host name it asked for.

use base64::Engine as _;

const CERT_TAG: &str = "podscape simulated X.509 certificate";

/// A self-signed key pair: the key, then the certificate, as PEM.
pub fn self_signed(subject: &str, days: &str, serial: &str) -> (String, String) {
    let b64 = base64::engine::general_purpose::STANDARD;
    let wrap =
        |s: &str| s.as_bytes().chunks(64).map(|c| format!("{}\n", String::from_utf8_lossy(c))).collect::<String>();
    let key = b64.encode(format!("podscape simulated RSA 2048 private key {serial}"));
    let cert = b64.encode(format!("{CERT_TAG} serial={serial} subject={subject} issuer={subject} days={days}"));
    (
        format!("-----BEGIN PRIVATE KEY-----\n{}-----END PRIVATE KEY-----\n", wrap(&key)),
        format!("-----BEGIN CERTIFICATE-----\n{}-----END CERTIFICATE-----\n", wrap(&cert)),
    )
}

/// The common name a certificate was made for, if it is one of ours.
pub fn common_name(pem: &str) -> Option<String> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let bytes = base64::engine::general_purpose::STANDARD.decode(body.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let rest = text.strip_prefix(CERT_TAG)?;
    let subject = rest.split_whitespace().find_map(|w| w.strip_prefix("subject="))?;
    subject.split('/').find_map(|p| p.strip_prefix("CN=")).map(str::to_string)
}

/// curl's verification: the presented certificate must be the trusted one (`--cacert`), and made
/// for the host asked for; otherwise curl's error 60 in its words.
pub fn verify(presented: &str, cacert: Option<&str>, host: &str) -> Result<(), (i32, String)> {
    const HELP: &str = "More details here: https://curl.se/docs/sslcerts.html\n\ncurl failed to verify the legitimacy of the server and therefore could not\nestablish a secure connection to it. To learn more about this situation and\nhow to fix it, please visit the webpage mentioned above.";
    let trusted = cacert.is_some_and(|ca| same_pem(ca, presented));
    if !trusted {
        return Err((60, format!("curl: (60) SSL certificate problem: self-signed certificate\n{HELP}")));
    }
    let cn = common_name(presented).unwrap_or_default();
    let matches =
        cn == host || (cn.starts_with("*.") && host.split_once('.').is_some_and(|(_, rest)| rest == &cn[2..]));
    if !matches {
        return Err((
            60,
            format!(
                "curl: (60) SSL: no alternative certificate subject name matches target host name '{host}'\n{HELP}"
            ),
        ));
    }
    Ok(())
}

fn same_pem(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.split_whitespace().collect::<String>();
    !a.trim().is_empty() && norm(a) == norm(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Connecting Applications with Services: the certificate made for CN=my-nginx is trusted with
    // --cacert for https://my-nginx, and not for the pod's IP.
    #[test]
    fn a_self_signed_certificate_is_checked_as_curl_checks_it() {
        let (_, cert) = self_signed("/CN=my-nginx/O=my-nginx", "365", "1");
        assert_eq!(common_name(&cert).as_deref(), Some("my-nginx"));
        assert!(verify(&cert, Some(&cert), "my-nginx").is_ok());
        let (code, msg) = verify(&cert, None, "my-nginx").unwrap_err();
        assert_eq!(code, 60);
        assert!(msg.contains("self-signed certificate"));
        let (_, msg) = verify(&cert, Some(&cert), "10.244.1.5").unwrap_err();
        assert!(msg.contains("no alternative certificate subject name matches target host name '10.244.1.5'"));
        let (_, other) = self_signed("/CN=other", "1", "2");
        assert!(verify(&cert, Some(&other), "my-nginx").is_err());
    }
}
