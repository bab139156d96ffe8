//! What `strato cloudcli kvm` has beyond the driver contract: the data dir (`--data-dir`, else
//! `STRATO_DATA_DIR`, else `./strato-data`: the same default as `strato serve`, so cloudcli run
//! next to a server sees its VMs; `--endpoint` may only name a directory under it) and
//! this host's images (`image-register`, `image-list`).

use std::path::{Path, PathBuf};

use clap::{Arg, ArgGroup, ArgMatches, Command};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use strato_cloud::CloudError;
use strato_provider_kvm::{ImageInfo, KvmConfig, KvmHost};

use super::render::{self, Output};
use super::{usage, Failure, Io};

/// `strato serve`'s default data dir.
pub const DEFAULT_DATA_DIR: &str = "./strato-data";

/// The data dir kvm accounts default to: `STRATO_DATA_DIR`, else `./strato-data`.
pub fn default_data_dir(env: &super::EnvLookup) -> PathBuf {
    env("STRATO_DATA_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR))
}

pub(super) fn arguments(cmd: Command) -> Command {
    cmd.arg(
        Arg::new("data_dir")
            .long("data-dir")
            .global(true)
            .value_name("DIR")
            .help("Strato's data dir; VMs live under DIR/kvm [env: STRATO_DATA_DIR] [default: ./strato-data]"),
    )
    .subcommand(
        Command::new("image-register")
            .about("Register an image: a kernel + initrd pair, or a qcow2 file (copied under the data dir)")
            .arg(Arg::new("name").long("name").required(true))
            .arg(Arg::new("kernel").long("kernel").value_name("FILE").requires("initrd"))
            .arg(Arg::new("initrd").long("initrd").value_name("FILE").requires("kernel"))
            .arg(Arg::new("cmdline").long("cmdline").value_name("TEXT").requires("kernel").help("Kernel command line [default: console=ttyS0]"))
            .arg(Arg::new("qcow2").long("qcow2").value_name("FILE"))
            .group(ArgGroup::new("source").args(["kernel", "qcow2"]).required(true)),
    )
    .subcommand(Command::new("image-list").about("List registered images"))
}

/// The data dir given with `--data-dir` (the kvm provider's data dir).
pub(super) fn data_dir_flag(matches: &ArgMatches) -> Option<String> {
    matches.try_get_one::<String>("data_dir").ok().flatten().cloned()
}

pub(super) fn is_image_command(action: &str) -> bool {
    matches!(action, "image-register" | "image-list")
}

/// Runs an image command on the host over `data_dir`.
pub(super) async fn images(data_dir: &Path, action: &str, m: &ArgMatches, output: Output, io: &mut Io) -> Result<(), Failure> {
    let config = KvmConfig::new(data_dir).map_err(CloudError::from)?;
    let host = KvmHost::open(config).await.map_err(CloudError::from)?;
    let text = |name: &str| m.try_get_one::<String>(name).ok().flatten().cloned();
    match action {
        "image-list" => {
            let images = host.list_images().await.map_err(CloudError::from)?;
            print(io, output, &images)
        }
        "image-register" => {
            let name = text("name").unwrap_or_default();
            let image = match (text("kernel"), text("initrd"), text("qcow2")) {
                (Some(kernel), Some(initrd), None) => {
                    let cmdline = text("cmdline").unwrap_or_else(|| "console=ttyS0".into());
                    host.register_kernel_image(&name, Path::new(&kernel), Path::new(&initrd), cmdline.trim()).await
                }
                (None, None, Some(qcow2)) => host.register_qcow2_image(&name, Path::new(&qcow2)).await,
                _ => return Err(usage("give --kernel and --initrd, or --qcow2")),
            };
            print(io, output, &[image.map_err(CloudError::from)?])
        }
        other => Err(usage(format!("unknown command '{other}'"))),
    }
}

fn print(io: &mut Io, output: Output, images: &[ImageInfo]) -> Result<(), Failure> {
    if output == Output::Json {
        return render::write(io, &serde_json::to_string_pretty(images).unwrap_or_default());
    }
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header(["NAME", "TYPE", "SIZE_MB", "CMDLINE", "CREATED_AT"]);
    for image in images {
        let (kind, cmdline) = match &image.spec.kind {
            strato_provider_kvm::state::ImageKind::Kernel { cmdline } => ("kernel", cmdline.as_str()),
            strato_provider_kvm::state::ImageKind::Qcow2 => ("qcow2", ""),
        };
        let size = format!("{:.1}", image.size_bytes as f64 / (1024.0 * 1024.0));
        table.add_row([image.spec.name.clone(), kind.to_string(), size, cmdline.to_string(), image.spec.created_at.to_rfc3339()]);
    }
    render::write(io, &format!("{table}\n{} image(s)", images.len()))
}
