//! `serve` for the endpoint benches: the router runs on a 2-thread runtime of its own
//! thread, apart from the load client's, as a separate server would.

/// Builds the app with `make` on the server's runtime, serves it on 127.0.0.1, and returns
/// its base URL with what `make` gave beside the router.
pub fn serve_apart<T, F, Fut>(make: F) -> (String, T)
where
    T: Send + 'static,
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = (axum::Router, T)>,
{
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let (app, extra) = make().await;
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let base = format!("http://{}", listener.local_addr().unwrap());
            tx.send((base, extra)).unwrap();
            checkout_bot::http::serve(app, listener, std::future::pending())
                .await
                .unwrap();
        });
    });
    rx.recv().unwrap()
}
