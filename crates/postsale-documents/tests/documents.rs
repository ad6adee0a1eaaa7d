//! The invoice and packing slip built from real order payloads: PDF text, page count, missing
//! glyphs and fallback fonts, and escaping of hostile values in the HTML.

use std::path::PathBuf;
use std::str::FromStr;

use postsale_documents::document::{
    Address, DocumentOrder, Fonts, Line, LogoImage, Paper, StoreHeader, render_invoice_html,
    render_invoice_pdf, render_packing_slip_html, render_packing_slip_pdf,
};
use rust_decimal::Decimal;
use serde_json::Value;

fn shared_dir() -> PathBuf {
    let dir = match std::env::var_os("POSTSALE_SHARED_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    };
    assert!(
        dir.is_dir(),
        "shared folder {} not found; set POSTSALE_SHARED_DIR to the folder holding payloads/",
        dir.display()
    );
    dir
}

fn payload(name: &str) -> Value {
    let path = shared_dir().join("payloads").join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("reading {} failed: {error}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

fn amount(value: &Value) -> Option<Decimal> {
    text(value).map(|text| Decimal::from_str(&text).unwrap())
}

fn address(value: &Value) -> Option<Address> {
    value.as_object()?;
    Some(Address {
        name: text(&value["name"]),
        company: text(&value["company"]),
        street1: text(&value["address1"]),
        street2: text(&value["address2"]),
        city: text(&value["city"]),
        state: text(&value["province_code"]),
        postal_code: text(&value["zip"]),
        country: text(&value["country_code"]),
        phone: text(&value["phone"]),
        ..Address::default()
    })
}

/// Builds the document input from a Shopify order the way the server's mapping would.
fn order_from_shopify(order: &Value) -> DocumentOrder {
    let lines = order["line_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            let quantity = item["quantity"].as_i64().unwrap();
            let unit_price = amount(&item["price"]);
            Line {
                sku: text(&item["sku"]),
                name: text(&item["title"]).unwrap_or_default(),
                quantity,
                unit_price,
                line_total: unit_price.map(|price| price * Decimal::from(quantity)),
            }
        })
        .collect();

    DocumentOrder {
        store: StoreHeader {
            name: "Example Store".into(),
            address_lines: vec!["1 Warehouse Road".into(), "Exampletown 12345".into()],
            logo: None,
        },
        order_number: text(&order["name"]).unwrap(),
        order_date: text(&order["created_at"]),
        bill_to: address(&order["billing_address"]),
        ship_to: address(&order["shipping_address"]),
        lines,
        currency: text(&order["currency"]),
        subtotal: amount(&order["subtotal_price"]),
        shipping: amount(&order["total_shipping_price_set"]["shop_money"]["amount"]),
        tax: amount(&order["total_tax"]),
        discount: amount(&order["total_discounts"]),
        total: amount(&order["total_price"]),
        notes: text(&order["note"]).into_iter().collect(),
    }
}

fn pdf_text(bytes: &[u8]) -> (usize, Vec<String>) {
    let document = lopdf::Document::load_mem(bytes).expect("the PDF parses");
    let pages: Vec<u32> = document.get_pages().keys().copied().collect();
    let texts = pages
        .iter()
        .map(|page| document.extract_text(&[*page]).unwrap())
        .collect();
    (pages.len(), texts)
}

fn many_lines(order: &DocumentOrder, count: usize) -> DocumentOrder {
    let mut long = order.clone();
    long.lines = (0..count)
        .map(|index| Line {
            sku: Some(format!("SKU-{index:04}")),
            name: format!("Product {index} in a long name that wraps inside its column"),
            ..order.lines[0].clone()
        })
        .collect();
    long
}

#[test]
fn invoice_pdf_holds_order_number_and_every_sku() {
    let order = order_from_shopify(&payload("shopify-orders-updated.json"));
    assert_eq!(order.lines.len(), 30);

    let pdf = render_invoice_pdf(&order, &Fonts::embedded(), Paper::A4).unwrap();
    let (pages, texts) = pdf_text(&pdf.bytes);
    let all = texts.concat();

    assert_eq!(pages, pdf.page_count);
    assert!(all.contains("#1024"), "order number missing from:\n{all}");
    for line in &order.lines {
        let Some(sku) = &line.sku else { continue };
        assert!(all.contains(sku.as_str()), "SKU {sku} missing");
    }
    assert!(all.contains("1,500.00 INR"), "total missing");
    assert!(all.contains("Jane Example"), "address missing");
    assert_eq!(pdf.missing_glyphs, []);
}

#[test]
fn long_order_continues_on_pages_with_header() {
    let order = order_from_shopify(&payload("shopify-orders-updated.json"));
    let long = many_lines(&order, 300);

    let pdf = render_invoice_pdf(&long, &Fonts::embedded(), Paper::A4).unwrap();
    let (pages, texts) = pdf_text(&pdf.bytes);

    assert_eq!(pages, pdf.page_count);
    assert!(pages >= 5, "300 lines took only {pages} pages");
    for (index, text) in texts.iter().enumerate() {
        assert!(
            text.contains("Unit price"),
            "page {} has no table header",
            index + 1
        );
        assert!(
            text.contains(&format!("Page {} of {pages}", index + 1)),
            "page {index}"
        );
    }
    let all = texts.concat();
    assert!(all.contains("SKU-0000"));
    assert!(all.contains("SKU-0299"));
}

#[test]
fn packing_slip_pdf_has_no_prices() {
    let order = order_from_shopify(&payload("shopify-orders-updated.json"));

    let pdf = render_packing_slip_pdf(&order, &Fonts::embedded(), Paper::A4).unwrap();
    let (_, texts) = pdf_text(&pdf.bytes);
    let all = texts.concat();

    assert!(all.contains("Packing Slip"));
    assert!(all.contains("003829926-IN-XS"));
    assert!(!all.contains("50.00"), "a price is printed:\n{all}");
    assert!(!all.contains("Unit price"));
}

#[test]
fn cjk_without_cjk_font_is_reported() {
    let order = order_from_shopify(&payload("shopify-orders-create.json"));

    let pdf = render_invoice_pdf(&order, &Fonts::embedded(), Paper::A4).unwrap();

    let missing: String = pdf.missing_glyphs.iter().map(|m| m.character).collect();
    assert_eq!(missing, "測試商品");
    let first = &pdf.missing_glyphs[0];
    assert_eq!(first.place, "line 1 item");
    assert_eq!(first.text, "aaa0103測試商品11aa");
    let (_, texts) = pdf_text(&pdf.bytes);
    assert!(texts.concat().contains("Green Snowboard"));
}

#[test]
fn fallback_font_prints_what_the_regular_font_lacks() {
    let mono = dejavu::sans_mono::regular();
    let regular = ttf_parser::Face::parse(dejavu::sans::regular(), 0).unwrap();
    let mono_face = ttf_parser::Face::parse(mono, 0).unwrap();
    let only_in_mono = (0x20..0x3_0000)
        .filter_map(char::from_u32)
        .find(|c| regular.glyph_index(*c).is_none() && mono_face.glyph_index(*c).is_some())
        .expect("DejaVu Sans Mono has a character that DejaVu Sans lacks");

    let mut order = order_from_shopify(&payload("shopify-orders-create.json"));
    order.lines[0].name = format!("Part {only_in_mono}");

    let without = render_invoice_pdf(&order, &Fonts::embedded(), Paper::A4).unwrap();
    let fonts = Fonts::embedded()
        .with_fallback("DejaVu Sans Mono", mono.to_vec(), 0)
        .unwrap();
    let with = render_invoice_pdf(&order, &fonts, Paper::A4).unwrap();

    assert!(
        without
            .missing_glyphs
            .iter()
            .any(|m| m.character == only_in_mono)
    );
    assert!(
        with.missing_glyphs
            .iter()
            .all(|m| m.character != only_in_mono)
    );
}

#[test]
fn installed_cjk_font_prints_cjk_names() {
    let fonts = Fonts::embedded().with_installed_cjk();
    let order = order_from_shopify(&payload("shopify-orders-create.json"));

    let pdf = render_invoice_pdf(&order, &fonts, Paper::A4).unwrap();

    // Without an installed CJK font the characters are reported instead; both are covered.
    if fonts.fallback_names().is_empty() {
        assert_eq!(pdf.missing_glyphs.len(), 4);
    } else {
        assert_eq!(
            pdf.missing_glyphs,
            [],
            "fallbacks {:?}",
            fonts.fallback_names()
        );
        let (_, texts) = pdf_text(&pdf.bytes);
        assert!(texts.concat().contains("測試商品"));
    }
}

#[test]
fn logo_is_embedded_as_image() {
    let mut order = order_from_shopify(&payload("shopify-orders-create.json"));
    let mut png = Vec::new();
    let image = image::DynamicImage::new_rgb8(120, 40);
    image
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    order.store.logo = Some(LogoImage {
        content_type: "image/png".into(),
        bytes: png,
    });

    let pdf = render_invoice_pdf(&order, &Fonts::embedded(), Paper::A4).unwrap();
    let html = render_invoice_html(&order, Paper::A4);

    let document = lopdf::Document::load_mem(&pdf.bytes).unwrap();
    let images = document
        .objects
        .values()
        .filter_map(|object| object.as_stream().ok())
        .filter(|stream| {
            stream.dict.get(b"Subtype").and_then(|s| s.as_name()).ok() == Some(b"Image")
        })
        .count();
    assert_eq!(images, 1);
    assert!(html.contains("<img class=\"logo\" src=\"data:image/png;base64,iVBORw0KGgo"));
}

fn hostile_order() -> DocumentOrder {
    let attack = "<script>alert(1)</script>\"><img src=x onerror=alert(2)>'&";
    let hostile = Address {
        name: Some(attack.into()),
        ..Address::default()
    };
    DocumentOrder {
        store: StoreHeader {
            name: attack.into(),
            address_lines: vec![attack.into()],
            logo: Some(LogoImage {
                content_type: attack.into(),
                bytes: b"<svg/>".to_vec(),
            }),
        },
        order_number: attack.into(),
        order_date: Some(attack.into()),
        bill_to: Some(hostile.clone()),
        ship_to: Some(hostile),
        lines: vec![Line {
            sku: Some(attack.into()),
            name: attack.into(),
            quantity: 2,
            unit_price: Some(Decimal::new(1999, 2)),
            line_total: Some(Decimal::new(3998, 2)),
        }],
        currency: Some(attack.into()),
        total: Some(Decimal::new(3998, 2)),
        notes: vec![attack.into()],
        ..DocumentOrder::default()
    }
}

#[test]
fn html_escapes_every_order_value() {
    for html in [
        render_invoice_html(&hostile_order(), Paper::A4),
        render_packing_slip_html(&hostile_order(), Paper::A4),
    ] {
        assert!(!html.contains("<script"), "unescaped script");
        assert!(!html.contains("<img"), "unescaped or untrusted image");
        assert!(!html.contains("onerror=alert(2)>"), "unescaped attribute");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;"));
        assert!(html.contains("&#39;&amp;"));
    }
}

#[test]
fn html_has_print_css_and_all_parts() {
    let order = order_from_shopify(&payload("shopify-orders-updated.json"));

    let invoice = render_invoice_html(&order, Paper::A4);
    let slip = render_packing_slip_html(&order, Paper::A4);

    for html in [&invoice, &slip] {
        assert!(html.contains("@page"));
        assert!(html.contains("thead { display: table-header-group; }"));
        assert!(html.contains("#1024"));
        assert!(html.contains("001010596-BL-XS"));
        assert!(html.contains("Jane Example"));
        assert_eq!(html.matches("<tr><td>").count(), 30);
    }
    assert!(invoice.contains("<th>Total</th><td class=\"num\">1,500.00 INR</td>"));
    assert!(invoice.contains("<td class=\"num\">50.00</td>"));
    assert!(!slip.contains("50.00"), "the packing slip shows a price");
}

#[test]
fn hostile_pdf_renders_and_stays_on_one_page() {
    let mut order = hostile_order();
    order.lines[0].name = "Very long product name ".repeat(200);
    order.lines[0].sku = Some("S".repeat(500));

    let pdf = render_invoice_pdf(&order, &Fonts::embedded(), Paper::A4).unwrap();

    assert_eq!(pdf.page_count, 1);
    assert_eq!(pdf.missing_glyphs, []);
}

#[test]
fn empty_order_renders_without_optional_parts() {
    let order = DocumentOrder {
        order_number: "1001".into(),
        ..DocumentOrder::default()
    };

    let html = render_invoice_html(&order, Paper::A4);
    let pdf = render_invoice_pdf(&order, &Fonts::embedded(), Paper::A4).unwrap();

    assert!(!html.contains("class=\"totals\""), "totals without amounts");
    assert!(!html.contains("class=\"notes\""), "notes without notes");
    assert!(!html.contains("<img"), "logo without a logo");
    assert_eq!(pdf.page_count, 1);
    let (_, texts) = pdf_text(&pdf.bytes);
    assert!(texts[0].contains("No lines."), "{}", texts[0]);
    assert!(!texts[0].contains("Subtotal"), "{}", texts[0]);
}

/// Reads the MediaBox of every page as (width, height) in points, following inheritance from
/// the page tree.
fn media_boxes(bytes: &[u8]) -> Vec<(f32, f32)> {
    let document = lopdf::Document::load_mem(bytes).expect("the PDF parses");
    let mut sizes = Vec::new();
    for page_id in document.get_pages().into_values() {
        let mut node = document.get_dictionary(page_id).unwrap();
        let media_box = loop {
            if let Ok(media_box) = node.get(b"MediaBox") {
                break media_box.as_array().unwrap().clone();
            }
            let parent = node.get(b"Parent").unwrap().as_reference().unwrap();
            node = document.get_dictionary(parent).unwrap();
        };
        let numbers: Vec<f32> = media_box
            .iter()
            .map(|number| number.as_float().unwrap())
            .collect();
        sizes.push((numbers[2] - numbers[0], numbers[3] - numbers[1]));
    }
    sizes
}

#[test]
fn paper_sets_media_box_of_every_page() {
    let order = order_from_shopify(&payload("shopify-orders-updated.json"));
    let long = many_lines(&order, 120);

    for (paper, expected) in [
        (Paper::A4, (595.28, 841.89)),
        (Paper::Letter, (612.0, 792.0)),
    ] {
        let pdf = render_invoice_pdf(&long, &Fonts::embedded(), paper).unwrap();
        let sizes = media_boxes(&pdf.bytes);

        assert!(sizes.len() >= 2, "{paper:?}: {} pages", sizes.len());
        for (width, height) in sizes {
            assert!((width - expected.0).abs() < 0.01, "{paper:?} width {width}");
            assert!(
                (height - expected.1).abs() < 0.01,
                "{paper:?} height {height}"
            );
        }
        let (_, texts) = pdf_text(&pdf.bytes);
        assert!(
            texts.concat().contains("SKU-0119"),
            "{paper:?}: last line missing"
        );
    }
}

#[test]
fn right_to_left_names_print_in_visual_order() {
    let mut order = order_from_shopify(&payload("shopify-orders-create.json"));
    // "Muhammad Ali" in Arabic and "David Cohen" in Hebrew.
    let arabic = "\u{645}\u{62D}\u{645}\u{62F} \u{639}\u{644}\u{64A}";
    let hebrew = "\u{5D3}\u{5D5}\u{5D3} \u{5DB}\u{5D4}\u{5DF}";
    order.ship_to = Some(Address {
        name: Some(arabic.into()),
        city: Some("Dubai".into()),
        ..Address::default()
    });
    order.bill_to = Some(Address {
        name: Some(hebrew.into()),
        ..Address::default()
    });
    order.lines.truncate(1);
    order.lines[0].name = "Green Snowboard".into();

    let pdf = render_invoice_pdf(&order, &Fonts::embedded(), Paper::A4).unwrap();
    let (_, texts) = pdf_text(&pdf.bytes);
    // lopdf's extraction turns the gap of a shaped space into two spaces; one is kept.
    let all = texts
        .concat()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");

    // The content stream contains glyphs left to right, so text extraction reads a right-to-left
    // name backwards; each glyph maps back to its own character through ToUnicode.
    let arabic_visual: String = arabic.chars().rev().collect();
    let hebrew_visual: String = hebrew.chars().rev().collect();
    assert!(
        all.contains(&arabic_visual),
        "Arabic name not right to left:\n{all}"
    );
    assert!(
        all.contains(&hebrew_visual),
        "Hebrew name not right to left:\n{all}"
    );
    assert!(!all.contains(arabic), "Arabic name printed left to right");
    assert!(all.contains("Green Snowboard"));
    assert_eq!(
        pdf.missing_glyphs,
        [],
        "DejaVu Sans covers Arabic and Hebrew"
    );
}
