"""The demo catalogue of the local provider: 7 categories, 44 products.

Prices are GST-inclusive rupees; `sizes` gives (label, stock) pairs; `pack` is the increment
(and minimum) for items sold in packs; stock 0 makes an item out of stock.
"""

from __future__ import annotations

CATEGORIES = [
    ("groceries", "Groceries & Staples", "#f4e8c8", "bag"),
    ("fashion", "Fashion", "#f6dbe1", "shirt"),
    ("footwear", "Footwear", "#dbe7f6", "shoe"),
    ("home-kitchen", "Home & Kitchen", "#e0f0e4", "pot"),
    ("beauty", "Beauty & Personal Care", "#efe1f5", "bottle"),
    ("electronics", "Electronics", "#e3e6ea", "phone"),
    ("books", "Books & Stationery", "#fbe6d4", "book"),
]

APPAREL_SIZES = ["S", "M", "L", "XL"]
SHOE_SIZES = ["UK 6", "UK 7", "UK 8", "UK 9", "UK 10"]

# slug, name, brand, category, mrp, price, gst, hsn, extra
PRODUCTS = [
    ("basmati-rice-5kg", "Aged Basmati Rice, 5 kg", "Dehradun Gold", "groceries", "899", "749", 5, "1006", {"featured": True, "stock": 40, "max": 5}),
    ("toor-dal-1kg", "Unpolished Toor Dal, 1 kg", "Desi Farms", "groceries", "210", "179", 5, "0713", {"stock": 60}),
    ("cold-pressed-groundnut-oil-1l", "Cold Pressed Groundnut Oil, 1 L", "Ghani Co.", "groceries", "420", "359", 5, "1508", {"stock": 25}),
    ("mineral-water-1l", "Mineral Water, 1 L", "Himalayan Spring", "groceries", "30", "25", 18, "2201", {"pack": 6, "max": 48, "stock": 240}),
    ("masala-chai-250g", "Assam Masala Chai, 250 g", "Chai Point", "groceries", "325", "289", 5, "0902", {"featured": True, "stock": 35}),
    ("organic-jaggery-1kg", "Organic Jaggery Powder, 1 kg", "Desi Farms", "groceries", "180", "150", 0, "1701", {"stock": 0}),
    ("almonds-500g", "California Almonds, 500 g", "NutBox", "groceries", "650", "549", 5, "0802", {"stock": 18}),
    ("free-range-eggs-6", "Free Range Eggs (6)", "Happy Hens", "groceries", "96", "90", 0, "0407", {"pack": 2, "max": 10, "stock": 50}),
    ("cotton-kurta", "Handloom Cotton Kurta", "Jaipur Weaves", "fashion", "1499", "999", 5, "6211", {"sizes": [("S", 4), ("M", 6), ("L", 2), ("XL", 0)], "featured": True}),
    ("linen-shirt", "Relaxed Linen Shirt", "Loom & Co.", "fashion", "2299", "1699", 12, "6205", {"sizes": [("S", 5), ("M", 8), ("L", 8), ("XL", 3)]}),
    ("chikankari-dupatta", "Chikankari Dupatta", "Lucknow Threads", "fashion", "1199", "899", 5, "6214", {"stock": 12}),
    ("denim-jeans", "Slim Fit Denim Jeans", "Indigo Street", "fashion", "2499", "1499", 12, "6203", {"sizes": [("S", 0), ("M", 0), ("L", 0), ("XL", 0)]}),
    ("silk-saree", "Banarasi Silk Saree", "Kashi Looms", "fashion", "8999", "6499", 5, "5007", {"featured": True, "stock": 3, "max": 2}),
    ("graphic-tee", "Organic Cotton Graphic Tee", "Loom & Co.", "fashion", "799", "499", 5, "6109", {"sizes": [("S", 10), ("M", 10), ("L", 10), ("XL", 10)]}),
    ("running-shoes", "Cushioned Running Shoes", "Stride", "footwear", "4999", "3299", 18, "6404", {"sizes": [(s, n) for s, n in zip(SHOE_SIZES, [3, 5, 7, 2, 0], strict=True)], "featured": True}),
    ("kolhapuri-chappal", "Leather Kolhapuri Chappal", "Kolhapur Craft", "footwear", "1299", "899", 12, "6403", {"sizes": [(s, 4) for s in SHOE_SIZES]}),
    ("canvas-sneakers", "Canvas Sneakers", "Indigo Street", "footwear", "1799", "1199", 12, "6404", {"sizes": [(s, 6) for s in SHOE_SIZES]}),
    ("flip-flops", "Everyday Flip-Flops", "Stride", "footwear", "399", "299", 12, "6402", {"sizes": [(s, 0) for s in SHOE_SIZES]}),
    ("juttis", "Embroidered Juttis", "Punjab Heritage", "footwear", "1599", "1299", 12, "6403", {"sizes": [(s, 2) for s in SHOE_SIZES[:4]]}),
    ("pressure-cooker-5l", "Stainless Steel Pressure Cooker, 5 L", "Hawkins Home", "home-kitchen", "3250", "2699", 18, "7323", {"featured": True, "stock": 9}),
    ("cast-iron-tawa", "Pre-seasoned Cast Iron Tawa", "Ghar Kitchen", "home-kitchen", "1450", "1099", 18, "7321", {"stock": 14}),
    ("copper-bottle", "Pure Copper Water Bottle, 1 L", "Tamra", "home-kitchen", "999", "749", 18, "7418", {"stock": 30}),
    ("cotton-bedsheet", "Jaipuri Cotton Double Bedsheet", "Jaipur Weaves", "home-kitchen", "1899", "1299", 5, "6302", {"stock": 7}),
    ("steel-tiffin", "Three-tier Steel Tiffin", "Ghar Kitchen", "home-kitchen", "899", "649", 18, "7323", {"stock": 22}),
    ("brass-diya-set", "Brass Diya Set of 4", "Tamra", "home-kitchen", "799", "599", 12, "7419", {"stock": 0}),
    ("dish-towels", "Cotton Dish Towels", "Ghar Kitchen", "home-kitchen", "149", "129", 5, "6302", {"pack": 3, "max": 12, "stock": 60}),
    ("ayurvedic-face-wash", "Neem & Tulsi Face Wash, 150 ml", "Vana Ayurveda", "beauty", "299", "249", 18, "3304", {"stock": 45}),
    ("kumkumadi-oil", "Kumkumadi Face Oil, 30 ml", "Vana Ayurveda", "beauty", "1295", "1099", 18, "3304", {"featured": True, "stock": 11}),
    ("herbal-shampoo", "Bhringraj Herbal Shampoo, 300 ml", "Kesh Care", "beauty", "399", "329", 18, "3305", {"stock": 33}),
    ("sunscreen-spf50", "Sunscreen Gel SPF 50, 50 g", "Suraksha", "beauty", "549", "499", 18, "3304", {"stock": 0}),
    ("sandal-soap", "Mysore Sandal Soap, 125 g", "Mysore Naturals", "beauty", "85", "80", 18, "3401", {"pack": 3, "max": 24, "stock": 90}),
    ("beard-oil", "Beard Growth Oil, 50 ml", "Kesh Care", "beauty", "499", "399", 18, "3305", {"stock": 16}),
    ("wireless-earbuds", "Wireless Earbuds with ANC", "Boom Audio", "electronics", "4999", "2799", 18, "8518", {"featured": True, "stock": 20, "max": 3}),
    ("power-bank-20000", "Power Bank 20000 mAh", "Volt", "electronics", "2499", "1799", 18, "8507", {"stock": 15, "max": 3}),
    ("smart-watch", "Fitness Smart Watch", "Pulse", "electronics", "5999", "3499", 18, "8517", {"stock": 6, "max": 2}),
    ("usb-c-cable", "Braided USB-C Cable, 1.5 m", "Volt", "electronics", "599", "349", 18, "8544", {"stock": 80}),
    ("bluetooth-speaker", "Portable Bluetooth Speaker", "Boom Audio", "electronics", "3499", "2199", 18, "8518", {"stock": 0}),
    ("led-bulb-9w", "9 W LED Bulb", "Prakash", "electronics", "120", "99", 12, "8539", {"pack": 4, "max": 20, "stock": 100}),
    ("ncert-maths-10", "NCERT Mathematics, Class 10", "NCERT", "books", "225", "225", 0, "4901", {"stock": 25}),
    ("premchand-stories", "Selected Stories of Premchand", "Rajkamal", "books", "399", "319", 0, "4901", {"featured": True, "stock": 14}),
    ("fountain-pen", "Ebonite Fountain Pen", "Ratnam", "books", "1500", "1350", 18, "9608", {"stock": 5}),
    ("a5-notebooks", "A5 Ruled Notebooks", "Classmate Plus", "books", "60", "55", 12, "4820", {"pack": 5, "max": 50, "stock": 200}),
    ("watercolour-set", "Artist Watercolour Set, 24 shades", "Camlin Studio", "books", "850", "699", 18, "3213", {"stock": 8}),
    ("gita-hardcover", "Bhagavad Gita, Hardcover", "Gita Press", "books", "300", "270", 0, "4901", {"stock": 0}),
]

DESCRIPTIONS = {
    "groceries": "Sourced from trusted farms and packed fresh. Store in a cool, dry place.",
    "fashion": "Breathable fabric, comfortable all-day fit. Gentle machine wash.",
    "footwear": "Cushioned sole with a grippy outsole. Check the size chart before ordering.",
    "home-kitchen": "Built to last for everyday Indian kitchens and homes.",
    "beauty": "Dermatologically tested, free from parabens. For external use only.",
    "electronics": "Comes with a one-year manufacturer warranty and a GST invoice.",
    "books": "Printed on quality paper. A favourite with readers and students alike.",
}

PINCODES = [
    ("560001", "Bengaluru", "Karnataka", True, 1, 3),
    ("110001", "New Delhi", "Delhi", True, 2, 4),
    ("400001", "Mumbai", "Maharashtra", True, 2, 5),
    ("600001", "Chennai", "Tamil Nadu", True, 2, 5),
    ("700001", "Kolkata", "West Bengal", True, 3, 6),
    ("500001", "Hyderabad", "Telangana", True, 2, 4),
    ("794001", "Tura", "Meghalaya", True, 6, 10),
    ("999999", "Unlisted", "—", False, 0, 0),
]
