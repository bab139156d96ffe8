//! The driver boundary: kvm errors classified into `CloudError` once, and the instance-type
//! naming (`<vcpus>c<memory MiB>m`, e.g. `1c256m`) that stands in for a cloud's sku catalogue.

use strato_cloud::{CloudError, CloudErrorKind};

use crate::error::KvmError;
use crate::qmp::QmpError;

impl From<KvmError> for CloudError {
    fn from(error: KvmError) -> Self {
        let message = error.to_string();
        // The classified kinds carry their own message: `CloudError` names the kind already.
        match error {
            KvmError::NotFound { .. } => CloudError::not_found(message),
            KvmError::InvalidInput(m) => CloudError::invalid_input(m),
            KvmError::Conflict(m) => CloudError::conflict(m),
            KvmError::CapacityExceeded(_) => CloudError::quota_exceeded(message),
            // A monitor that does not answer (busy with another client, VM starting) may
            // answer later; a command qemu refused will not.
            KvmError::Qmp(QmpError::Command { class, .. }) => CloudError::other(message).with_code(class),
            KvmError::Qmp(QmpError::Timeout(..) | QmpError::Connect { .. }) | KvmError::Timeout(_) => {
                CloudError::transient(message)
            }
            KvmError::Qmp(_) | KvmError::Command { .. } | KvmError::Io { .. } | KvmError::BadState { .. } => {
                CloudError::new(CloudErrorKind::Other, message)
            }
        }
    }
}

/// `1c256m` for 1 vcpu and 256 MiB.
pub fn instance_type(vcpus: u32, memory_mib: u64) -> String {
    format!("{vcpus}c{memory_mib}m")
}

/// Parses `<vcpus>c<memory MiB>m`.
pub fn parse_instance_type(text: &str) -> Result<(u32, u64), CloudError> {
    let bad = || CloudError::invalid_input(format!("instance type {text:?} is not <vcpus>c<memory MiB>m, e.g. 1c256m"));
    let (vcpus, rest) = text.trim().split_once('c').ok_or_else(bad)?;
    let memory = rest.strip_suffix('m').ok_or_else(bad)?;
    let vcpus: u32 = vcpus.parse().map_err(|_| bad())?;
    let memory: u64 = memory.parse().map_err(|_| bad())?;
    if vcpus == 0 || memory == 0 {
        return Err(bad());
    }
    Ok((vcpus, memory))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_types_round_trip_and_bad_ones_are_invalid_input() {
        assert_eq!(parse_instance_type(&instance_type(2, 1024)).ok(), Some((2, 1024)));
        for bad in ["", "1c", "c256m", "1x256m", "0c256m", "1c0m", "-1c256m", "1c256"] {
            let error = parse_instance_type(bad).expect_err(bad);
            assert_eq!(error.kind, CloudErrorKind::InvalidInput, "{bad}");
        }
    }

    #[test]
    fn errors_are_classified() {
        let kind = |e: KvmError| CloudError::from(e).kind;
        assert_eq!(kind(KvmError::NotFound { kind: "server", id: "x".into() }), CloudErrorKind::NotFound);
        assert_eq!(kind(KvmError::CapacityExceeded("cpus".into())), CloudErrorKind::QuotaExceeded);
        assert_eq!(kind(KvmError::Conflict("attached".into())), CloudErrorKind::Conflict);
        assert_eq!(kind(KvmError::InvalidInput("boot disk".into())), CloudErrorKind::InvalidInput);
        let refused = KvmError::Qmp(QmpError::Command { command: "device_add".into(), class: "GenericError".into(), desc: "no".into() });
        let refused = CloudError::from(refused);
        assert_eq!((refused.kind, refused.code.as_deref()), (CloudErrorKind::Other, Some("GenericError")));
        assert!(CloudError::from(KvmError::Timeout("stop".into())).is_retryable());
        // one kind word in the text, not two ("conflict: conflict: ...")
        assert_eq!(CloudError::from(KvmError::Conflict("image tiny already exists".into())).to_string(), "conflict: image tiny already exists");
    }
}
