//! The mail worker's SMTP connections: lettre's SMTP client on sockets opened here, with
//! TCP_NODELAY set, and kept for the next mail. lettre's own pooled transport gives no way to
//! set it, and without it every mail waits up to 40 ms: the end-of-data line is a second small
//! write, which Nagle's algorithm holds until the server acknowledges the body — and a server
//! waiting for the rest of the message delays that acknowledgement.

use crate::mail::{SmtpSettings, SmtpTls};
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
#[allow(deprecated)]
use lettre::transport::smtp::client::AsyncNetworkStream;
use lettre::transport::smtp::client::{
    AsyncSmtpConnection, AsyncTokioStream, Certificate, TlsParameters,
};
use lettre::transport::smtp::extension::ClientId;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Why a mail was not sent.
#[derive(Debug)]
pub enum SendError {
    /// The server could not be reached.
    Connect(io::Error),
    /// What the SMTP conversation (or the TLS handshake) answered.
    Smtp(lettre::transport::smtp::Error),
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Connect(e) => write!(f, "cannot connect to the SMTP server: {e}"),
            SendError::Smtp(e) => e.fmt(f),
        }
    }
}

/// A kept connection older than this is closed rather than used (servers end idle sessions).
const KEEP_IDLE: Duration = Duration::from_secs(30);

/// Connections to one SMTP server, opened as needed and kept while mail flows.
pub struct Connections {
    host: String,
    port: u16,
    tls: SmtpTls,
    params: Option<TlsParameters>,
    credentials: Option<Credentials>,
    hello: ClientId,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
    keep: usize,
}

impl Connections {
    /// Connections as `smtp` says, at most `keep` of them kept idle.
    pub fn new(smtp: &SmtpSettings, keep: usize) -> anyhow::Result<Connections> {
        let params = match smtp.tls {
            SmtpTls::None => None,
            SmtpTls::Starttls | SmtpTls::Tls => {
                let mut params = TlsParameters::builder(smtp.host.clone());
                if let Some(pem) = &smtp.ca_pem {
                    params = params.add_root_certificate(Certificate::from_pem(pem)?);
                }
                Some(params.build_rustls()?)
            }
        };
        Ok(Connections {
            host: smtp.host.clone(),
            port: smtp.port(),
            tls: smtp.tls,
            params,
            credentials: smtp.user.as_ref().map(|user| {
                Credentials::new(user.clone(), smtp.password.clone().unwrap_or_default())
            }),
            hello: ClientId::default(),
            idle: Mutex::new(Vec::new()),
            keep,
        })
    }

    /// Sends one message on a kept connection or a new one; a kept connection the server
    /// closed meanwhile is replaced once.
    pub async fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<(), SendError> {
        if let Some(mut conn) = self.take() {
            match conn.send(envelope, message).await {
                Ok(_) => {
                    self.put(conn);
                    return Ok(());
                }
                // No SMTP answer at all: the connection was gone; try a fresh one below.
                Err(e) if e.status().is_none() => {}
                Err(e) => return Err(SendError::Smtp(e)),
            }
        }
        let mut conn = self.connect().await?;
        conn.send(envelope, message)
            .await
            .map_err(SendError::Smtp)?;
        self.put(conn);
        Ok(())
    }

    fn take(&self) -> Option<AsyncSmtpConnection> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        while let Some((conn, since)) = idle.pop() {
            if since.elapsed() < KEEP_IDLE {
                return Some(conn);
            }
        }
        None
    }

    fn put(&self, conn: AsyncSmtpConnection) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < self.keep {
            idle.push((conn, Instant::now()));
        }
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, SendError> {
        let tcp = tokio::net::TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(SendError::Connect)?;
        tcp.set_nodelay(true).map_err(SendError::Connect)?;
        let stream: Box<dyn AsyncTokioStream> = match (self.tls, &self.params) {
            (SmtpTls::Tls, Some(params)) => {
                #[allow(deprecated)]
                let mut tls = AsyncNetworkStream::use_existing_tokio1(Box::new(tcp));
                tls.upgrade_tls(params.clone())
                    .await
                    .map_err(SendError::Smtp)?;
                Box::new(Bridge(tls))
            }
            _ => Box::new(tcp),
        };
        let mut conn = AsyncSmtpConnection::connect_with_transport(stream, &self.hello)
            .await
            .map_err(SendError::Smtp)?;
        if let (SmtpTls::Starttls, Some(params)) = (self.tls, &self.params) {
            conn.starttls(params.clone(), &self.hello)
                .await
                .map_err(SendError::Smtp)?;
        }
        if let Some(credentials) = &self.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials)
                .await
                .map_err(SendError::Smtp)?;
        }
        Ok(conn)
    }
}

/// A stream encrypted from its first byte (SMTPS), handed to lettre's client as the tokio
/// stream it takes: lettre's network stream speaks the `futures` I/O traits.
#[allow(deprecated)]
#[derive(Debug)]
struct Bridge(AsyncNetworkStream);

impl tokio::io::AsyncRead for Bridge {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let unfilled = buf.initialize_unfilled();
        match futures_io::AsyncRead::poll_read(Pin::new(&mut self.0), cx, unfilled) {
            Poll::Ready(Ok(n)) => {
                buf.advance(n);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl tokio::io::AsyncWrite for Bridge {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        futures_io::AsyncWrite::poll_write(Pin::new(&mut self.0), cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        futures_io::AsyncWrite::poll_flush(Pin::new(&mut self.0), cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        futures_io::AsyncWrite::poll_close(Pin::new(&mut self.0), cx)
    }
}

impl AsyncTokioStream for Bridge {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.peer_addr()
    }
}
